#!/usr/bin/env python3
"""Quality-trim FASTQ reads (a stand-in for cutadapt/fastp).

    trim.py --min-qual Q --min-len L -o OUT.fq IN.fq

For every read: upper-case the bases, cut bases below Phred quality Q
(Phred+33) from both ends, drop the read if fewer than L bases remain.
Only the read id (the header up to the first space) is kept. A one-line
summary goes to stderr. Exits 1 with a message naming the file and line on
malformed input, and on a file with no reads at all.
"""

import argparse
import sys

BASES = set("ACGTN")


def fail(msg):
    sys.exit(f"trim.py: error: {msg}")


def read_fastq(path):
    """Yield (read_id, seq, qual) with seq upper-cased, validating as we go."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    if len(lines) % 4:
        fail(f"{path}: {len(lines)} lines, not a multiple of 4: truncated FASTQ?")
    for i in range(0, len(lines), 4):
        head, seq, plus, qual = lines[i : i + 4]
        where = f"{path}:{i + 1}"
        if not head.startswith("@") or not head[1:].split():
            fail(f"{where}: expected a header '@<read id>', got {head[:40]!r}")
        if not plus.startswith("+"):
            fail(f"{where}: expected '+' on line {i + 3}, got {plus[:40]!r}")
        seq = seq.upper()
        bad = "".join(sorted(set(seq) - BASES))
        if bad:
            fail(f"{where}: bases other than ACGTN in the sequence: {bad}")
        if len(seq) != len(qual):
            fail(f"{where}: sequence has {len(seq)} bases but quality has {len(qual)}")
        if any(not 33 <= ord(c) <= 126 for c in qual):
            fail(f"{where}: quality string is not Phred+33")
        yield head[1:].split()[0], seq, qual


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-qual", type=int, required=True)
    ap.add_argument("--min-len", type=int, required=True)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("reads")
    args = ap.parse_args()
    if not 0 <= args.min_qual <= 93:
        fail(f"--min-qual must be 0..93, got {args.min_qual}")
    if args.min_len < 1:
        fail(f"--min-len must be at least 1, got {args.min_len}")

    out, total, kept, cut = [], 0, 0, 0
    for read_id, seq, qual in read_fastq(args.reads):
        total += 1
        good = [ord(c) - 33 >= args.min_qual for c in qual]
        start, end = 0, len(seq)
        while start < end and not good[start]:
            start += 1
        while end > start and not good[end - 1]:
            end -= 1
        cut += len(seq) - (end - start)
        if end - start < args.min_len:
            continue
        kept += 1
        out.append(f"@{read_id}\n{seq[start:end]}\n+\n{qual[start:end]}\n")
    if total == 0:
        fail(f"{args.reads} contains no reads")

    with open(args.output, "w") as f:
        f.writelines(out)
    print(
        f"trim.py: {args.reads}: kept {kept} of {total} reads, cut {cut} low-quality bases",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
