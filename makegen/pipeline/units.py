"""Sizes and durations: the spec's spellings of `mem` and `time`, and the clock form schedulers take."""

from __future__ import annotations

import re
from typing import Optional

# A bare number is megabytes, as SLURM and Grid Engine read it; K, M, G and T may be
# followed by B or iB and are powers of 1024 either way (schedulers count so).
_MEM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:([KMGT])(?:B|iB)?)?\Z", re.IGNORECASE)
_UNIT_MB = {"": 1, "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
MEM_UNITS = "K, KB, KiB, M, MB, MiB, G, GB, GiB, T, TB or TiB (none: megabytes)"
_CLOCK = re.compile(r"(?:(\d+)-)?(\d+):(\d{1,2}):(\d{1,2})\Z")
_HUMAN = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")



def parse_mem(text: str) -> Optional[int]:
    """'512M' -> 512, '4G' -> 4096, '1000' -> 1000 (MiB, rounded up); None if malformed or 0."""
    match = _MEM.match(text.strip())
    if not match:
        return None
    megabytes = float(match.group(1)) * _UNIT_MB[(match.group(2) or "").upper()]
    if megabytes <= 0:
        return None
    return max(1, int(-(-megabytes // 1)))


def parse_time(text: str) -> Optional[int]:
    """'90m', '1h30m', '01:30:00', '2-00:00:00' -> seconds; None if malformed."""
    text = text.strip()
    clock = _CLOCK.match(text)
    if clock:
        days, hours, minutes, seconds = (int(g) if g else 0 for g in clock.groups())
        if minutes > 59 or seconds > 59:  # 01:99:00 is a typo, not 2h39m
            return None
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    human = _HUMAN.match(text)
    if human and text:
        days, hours, minutes, seconds = (int(g) if g else 0 for g in human.groups())
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    return None


def clock(seconds: int) -> str:
    """Seconds as H:MM:SS (hours may exceed 24), the form both schedulers accept."""
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
