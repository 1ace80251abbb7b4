"""Sizes and durations (pipeline/units.py)."""

from __future__ import annotations

from typing import Optional

import pytest

from makegen.pipeline.units import clock, parse_mem, parse_time


@pytest.mark.parametrize(("text", "mb"), [
    ("512M", 512), ("4G", 4096), ("1.5G", 1536), ("2T", 2 * 1024 * 1024), ("1024K", 1), ("1K", 1),
    ("4 GB", 4096), ("x", None), ("", None), ("-1G", None),
    # issue 11 case 6: a bare number is megabytes, as schedulers read it; iB spellings too
    ("1000", 1000), ("2MiB", 2), ("2GiB", 2048), ("2TiB", 2 * 1024 * 1024), ("2048KiB", 2),
    ("1gb", 1024), ("0", None), ("0G", None), ("1000B", None), ("1Gi", None), ("1 G B", None),
])
def test_mem(text: str, mb: Optional[int]) -> None:
    assert parse_mem(text) == mb


@pytest.mark.parametrize(("text", "seconds"), [
    ("90m", 5400), ("1h30m", 5400), ("01:30:00", 5400), ("2-00:00:00", 172800), ("45s", 45),
    ("1d", 86400), ("", None), ("soon", None), ("1:2", None),
    ("01:99:00", None), ("00:00:60", None), ("00:59:59", 3599),
])
def test_time(text: str, seconds: Optional[int]) -> None:
    assert parse_time(text) == seconds


def test_clock_form_for_schedulers() -> None:
    assert clock(5400) == "1:30:00" and clock(90061) == "25:01:01" and clock(59) == "0:00:59"
