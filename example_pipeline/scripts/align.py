#!/usr/bin/env python3
"""Place reads on a reference by k-mer seeds (a stand-in for bwa/bowtie2).

    align.py --threads N -k K --max-mismatch M --read-group RG REF.fa READS.fq > HITS.tsv

Indexes every K-mer of REF, looks up the non-overlapping K-mer seeds of each
read and of its reverse complement, and scores each candidate placement by
its mismatches over the whole read. The best placement (fewest mismatches,
then contig order, then position) wins if it has at most M mismatches;
otherwise the read is unmapped. Output is a TSV with a '#' line naming the
read group, a column header, then one row per read in input order:

    read  contig  pos  strand  mismatches      (pos 1-based; '*' 0 '*' NA if unmapped)

--threads N aligns with N worker threads; the output does not depend on N.
Exits 1 with a message naming the file on malformed input.
"""

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

COMP = str.maketrans("ACGTN", "TGCAN")
BASES = set("ACGTN")


def fail(msg):
    sys.exit(f"align.py: error: {msg}")


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")


def read_fasta(path):
    """Return {contig: sequence} in file order."""
    contigs, name = {}, None
    for n, line in enumerate(read_lines(path), 1):
        if line.startswith(">"):
            if not line[1:].split():
                fail(f"{path}:{n}: FASTA header without a name")
            name = line[1:].split()[0]
            if name in contigs:
                fail(f"{path}:{n}: contig {name} appears twice")
            contigs[name] = []
        elif line.strip():
            if name is None:
                fail(f"{path}:{n}: sequence before the first '>' header: not FASTA?")
            seq = line.strip().upper()
            if set(seq) - BASES:
                fail(f"{path}:{n}: characters other than ACGTN in contig {name}")
            contigs[name].append(seq)
    if not contigs:
        fail(f"{path}: no contigs: not a FASTA file?")
    contigs = {name: "".join(parts) for name, parts in contigs.items()}
    for name, seq in contigs.items():
        if not seq:
            fail(f"{path}: contig {name} is empty")
    return contigs


def read_fastq(path):
    """Return [(read_id, upper-case sequence)]."""
    lines = read_lines(path)
    if len(lines) % 4:
        fail(f"{path}: {len(lines)} lines, not a multiple of 4: truncated FASTQ?")
    reads = []
    for i in range(0, len(lines), 4):
        head, seq, plus = lines[i], lines[i + 1].upper(), lines[i + 2]
        if not head.startswith("@") or not head[1:].split() or not plus.startswith("+"):
            fail(f"{path}:{i + 1}: not a FASTQ record ('@id', sequence, '+', quality)")
        if set(seq) - BASES:
            fail(f"{path}:{i + 2}: bases other than ACGTN")
        reads.append((head[1:].split()[0], seq))
    return reads


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("-k", type=int, default=12, dest="k")
    ap.add_argument("--max-mismatch", type=int, default=3)
    ap.add_argument("--read-group", required=True)
    ap.add_argument("ref")
    ap.add_argument("reads")
    args = ap.parse_args()
    if args.threads < 1:
        fail(f"--threads must be at least 1, got {args.threads}")
    if not 8 <= args.k <= 32:
        fail(f"-k must be 8..32, got {args.k}")
    if args.max_mismatch < 0:
        fail(f"--max-mismatch must not be negative, got {args.max_mismatch}")
    if not args.read_group or any(c.isspace() for c in args.read_group):
        fail(f"--read-group must be one non-empty word, got {args.read_group!r}")
    k = args.k

    contigs = read_fasta(args.ref)
    names = list(contigs)
    order = {name: i for i, name in enumerate(names)}
    index = {}
    for name, seq in contigs.items():
        for p in range(len(seq) - k + 1):
            kmer = seq[p : p + k]
            if "N" not in kmer:
                index.setdefault(kmer, []).append((name, p))
    reads = read_fastq(args.reads)

    def align(read):
        read_id, fwd = read
        best = None
        for strand, seq in (("+", fwd), ("-", fwd.translate(COMP)[::-1])):
            candidates = set()
            for off in range(0, len(seq) - k + 1, k):
                for name, p in index.get(seq[off : off + k], ()):
                    start = p - off
                    if start >= 0 and start + len(seq) <= len(contigs[name]):
                        candidates.add((name, start))
            for name, start in candidates:
                window = contigs[name][start : start + len(seq)]
                mismatches = sum(1 for a, b in zip(seq, window) if a != b)
                rank = (mismatches, order[name], start, strand)
                if best is None or rank < best:
                    best = rank
        if best is None or best[0] > args.max_mismatch:
            return f"{read_id}\t*\t0\t*\tNA\n"
        mismatches, contig_no, start, strand = best
        return f"{read_id}\t{names[contig_no]}\t{start + 1}\t{strand}\t{mismatches}\n"

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        rows = list(pool.map(align, reads))
    placed = sum(1 for r in rows if "\t*\t" not in r)
    sys.stdout.write(f"# read_group={args.read_group} k={k} max_mismatch={args.max_mismatch}\n")
    sys.stdout.write("read\tcontig\tpos\tstrand\tmismatches\n")
    sys.stdout.writelines(rows)
    print(f"align.py: {args.reads}: {placed} of {len(rows)} reads placed", file=sys.stderr)


if __name__ == "__main__":
    main()
