#!/usr/bin/env python3
"""Regenerate the demo's input data (not part of the pipeline).

Writes ref/genome.fa and reads/<sample>_<lane>.fq next to this file,
byte-identical on every run (fixed seed), so the committed files can be
rebuilt or changed on purpose:

    python3 data/regenerate.py

Reads are simulated the way wgsim does it: each read's header carries where
it came from (src=contig:pos:strand, pos 1-based; src=none for junk), so the
aligner's answers can be checked against the truth. The wild-type samples
(wt-*) carry the plasmid pX; the knock-out samples (ko-*) lost it.
"""

import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = ["wt-1", "wt-2", "wt-3", "ko-1", "ko-2"]
LANES = ["L1", "L2"]
CONTIGS = [("chr1", 2000), ("chr2", 1200), ("pX", 400)]
READ_LEN = 48
READS_PER_LANE = 20
COMP = str.maketrans("ACGTN", "TGCAN")


def revcomp(seq):
    return seq.translate(COMP)[::-1]


def qual(rng, n, lo, hi):
    return "".join(chr(33 + rng.randint(lo, hi)) for _ in range(n))


def main():
    rng = random.Random(20261126)
    genome = {name: "".join(rng.choice("ACGT") for _ in range(length)) for name, length in CONTIGS}
    with open(os.path.join(HERE, "ref", "genome.fa"), "w") as out:
        for name, _ in CONTIGS:
            out.write(f">{name} demo contig\n")
            seq = genome[name]
            for i in range(0, len(seq), 60):
                out.write(seq[i : i + 60] + "\n")

    for sample in SAMPLES:
        weights = [5, 3, 4] if sample.startswith("wt") else [6, 4, 0]
        for lane in LANES:
            path = os.path.join(HERE, "reads", f"{sample}_{lane}.fq")
            with open(path, "w") as out:
                for i in range(1, READS_PER_LANE + 1):
                    kind = rng.random()
                    if kind < 0.08:  # junk: adapter dimer / contamination
                        seq = "".join(rng.choice("ACGT") for _ in range(READ_LEN))
                        src = "none"
                    else:
                        ((name, length),) = rng.choices(CONTIGS, weights)
                        pos = rng.randint(0, length - READ_LEN)
                        seq = genome[name][pos : pos + READ_LEN]
                        strand = "+"
                        if rng.random() < 0.5:
                            seq, strand = revcomp(seq), "-"
                        seq = list(seq)
                        for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
                            j = rng.randrange(READ_LEN)
                            seq[j] = rng.choice([b for b in "ACGT" if b != seq[j]])
                        if rng.random() < 0.05:
                            seq[rng.randrange(READ_LEN)] = "N"
                        seq = "".join(seq)
                        src = f"{name}:{pos + 1}:{strand}"
                    q = qual(rng, READ_LEN, 28, 40)
                    tail = rng.random()
                    if tail < 0.10:  # ruined read: too short once trimmed
                        cut = rng.randint(24, 34)
                        q = q[: READ_LEN - cut] + qual(rng, cut, 2, 12)
                    elif tail < 0.40:  # ordinary low-quality 3' tail
                        cut = rng.randint(2, 9)
                        q = q[: READ_LEN - cut] + qual(rng, cut, 2, 14)
                    if rng.random() < 0.10:  # soft-masked (lowercase) read
                        seq = seq.lower()
                    out.write(f"@{sample}:{lane}:{i:03d} src={src}\n{seq}\n+\n{q}\n")


if __name__ == "__main__":
    main()
