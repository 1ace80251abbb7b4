#!/usr/bin/env python3
"""Merge per-sample counts into one table and a short report (a stand-in for MultiQC).

    summarize.py --stats-list STATS.list --contigs-list CONTIGS.list --table OUT.tsv --report OUT.md

Each list file names one file per line, as makegen's {inputs.key:file} writes
them: the PREFIX.stats.tsv and PREFIX.contigs.tsv files of count.sh, in the
same sample order (line i of both lists must lie in the same directory).
Writes
    OUT.tsv  one row per sample, in list order: sample, lanes, reads, mapped,
             mapped_pct, mean_mismatches, then the reads on each contig;
    OUT.md   the same table in Markdown, reads per kb of each contig as bars,
             and the contigs that some samples have no reads on.
Exits 1 with a message naming the file on malformed or inconsistent input.
"""

import argparse
import os
import sys

STATS_KEYS = ["sample", "lanes", "reads", "mapped", "mapped_pct", "mean_mismatches"]
CONTIG_COLUMNS = ["contig", "length", "reads", "reads_per_kb"]


def fail(msg):
    sys.exit(f"summarize.py: error: {msg}")


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")


def read_list(path):
    paths = [line for line in read_lines(path) if line.strip()]
    if not paths:
        fail(f"list file {path} names no files")
    return paths


def read_tsv(path, header):
    lines = read_lines(path)
    if not lines or lines[0].split("\t") != header:
        fail(f"{path}: expected the header {' '.join(header)!r}: not written by count.sh?")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        fields = line.split("\t")
        if len(fields) != len(header):
            fail(f"{path}:{n}: expected {len(header)} tab-separated fields, got {len(fields)}")
        rows.append(fields)
    return rows


def read_sample(stats_path, contigs_path):
    """Return (stats dict, [(contig, length, reads, reads_per_kb)]) of one sample."""
    if os.path.dirname(stats_path) != os.path.dirname(contigs_path):
        fail(
            f"{stats_path} and {contigs_path} are not in the same directory:"
            " the two lists are not in the same sample order"
        )
    stats = dict(read_tsv(stats_path, ["key", "value"]))
    missing = [key for key in STATS_KEYS if key not in stats]
    if missing:
        fail(f"{stats_path}: missing {', '.join(missing)}")
    contigs = []
    for name, length, reads, per_kb in read_tsv(contigs_path, CONTIG_COLUMNS):
        try:
            contigs.append((name, int(length), int(reads), float(per_kb)))
        except ValueError:
            fail(f"{contigs_path}: contig {name}: length, reads and reads_per_kb must be numbers")
    if not contigs:
        fail(f"{contigs_path}: no contigs")
    return stats, contigs


def markdown_report(names, samples, header, rows):
    contig_names = [c[0] for c in samples[0][1]]
    lines = [
        "# Read mapping summary",
        "",
        f"{len(rows)} samples, {sum(int(s['reads']) for s, _ in samples)} reads after"
        f" trimming, {sum(int(s['mapped']) for s, _ in samples)} mapped.",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "## Reads per kb of each contig", "", "```"]
    top = max(c[3] for _, contigs in samples for c in contigs) or 1.0
    width = max(len(n) for n in names)
    for i, contig in enumerate(contig_names):
        lines.append(contig)
        for name, (_, contigs) in zip(names, samples):
            per_kb = contigs[i][3]
            bar = "#" * round(30 * per_kb / top)
            lines.append(f"  {name:<{width}} {per_kb:6.1f} {bar}".rstrip())
    lines += ["```", "", "## Contigs without reads", ""]
    empty = []
    for i, contig in enumerate(contig_names):
        without = [n for n, (_, contigs) in zip(names, samples) if contigs[i][2] == 0]
        if without:
            empty.append(f"- {contig}: no reads in {', '.join(without)}")
    lines += empty or ["None."]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stats-list", required=True)
    ap.add_argument("--contigs-list", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()

    stats_paths, contig_paths = read_list(args.stats_list), read_list(args.contigs_list)
    if len(stats_paths) != len(contig_paths):
        fail(
            f"{args.stats_list} names {len(stats_paths)} files"
            f" but {args.contigs_list} names {len(contig_paths)}"
        )
    samples = [read_sample(s, c) for s, c in zip(stats_paths, contig_paths)]

    names = [stats["sample"] for stats, _ in samples]
    dups = sorted({n for n in names if names.count(n) > 1})
    if dups:
        fail(f"sample(s) listed more than once: {', '.join(dups)}")
    contig_names = [c[0] for c in samples[0][1]]
    for (_, contigs), path in zip(samples, contig_paths):
        if [c[0] for c in contigs] != contig_names:
            fail(
                f"{path}: contigs {','.join(c[0] for c in contigs)} differ from"
                f" {','.join(contig_names)} in {contig_paths[0]}:"
                " were the samples counted against different references?"
            )

    header = STATS_KEYS + contig_names
    rows = [
        [stats[key] for key in STATS_KEYS] + [str(c[2]) for c in contigs]
        for stats, contigs in samples
    ]
    with open(args.table, "w") as f:
        f.writelines("\t".join(row) + "\n" for row in [header, *rows])
    with open(args.report, "w") as f:
        f.write(markdown_report(names, samples, header, rows))
    print(f"summarize.py: {len(rows)} samples summarised", file=sys.stderr)


if __name__ == "__main__":
    main()
