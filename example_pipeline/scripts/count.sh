#!/usr/bin/env bash
# Count aligned reads per contig and per bin (a stand-in for samtools idxstats/bedtools).
#
#   count.sh --sample S --ref REF.fa --bin N --prefix DIR/NAME HITS.tsv...
#
# Reads the hits tables of one sample (one per lane, as written by align.py),
# checks that every one belongs to sample S (its read group is S.<lane>) and
# only names contigs of REF, and writes three files:
#   PREFIX.contigs.tsv   contig  length  reads  reads_per_kb    (one row per contig of REF)
#   PREFIX.coverage.tsv  contig  start  end  reads              (read starts in N-base bins, zeros included)
#   PREFIX.stats.tsv     key  value                             (sample, lanes, reads, mapped, ...)
# PREFIX's directory must exist. Exits 1 with a message on bad arguments or input.
set -euo pipefail
export LC_ALL=C

die() { echo "count.sh: error: $*" >&2; exit 1; }
usage="usage: count.sh --sample S --ref REF.fa --bin N --prefix DIR/NAME HITS.tsv..."

sample='' ref='' bin='' prefix=''
while [ $# -gt 0 ]; do
    case $1 in
        --sample|--ref|--bin|--prefix)
            [ $# -ge 2 ] || die "$1 needs a value; $usage"
            case $1 in
                --sample) sample=$2 ;;
                --ref) ref=$2 ;;
                --bin) bin=$2 ;;
                --prefix) prefix=$2 ;;
            esac
            shift 2 ;;
        --) shift; break ;;
        -*) die "unknown option $1; $usage" ;;
        *) break ;;
    esac
done
[ -n "$sample" ] && [ -n "$ref" ] && [ -n "$bin" ] && [ -n "$prefix" ] || die "missing option; $usage"
[ $# -ge 1 ] || die "no hits files given; $usage"
[[ $bin =~ ^[1-9][0-9]*$ ]] || die "--bin must be a positive integer, got '$bin'"
[ -f "$ref" ] && [ -r "$ref" ] && [ -s "$ref" ] || die "reference '$ref' is not a readable, non-empty file"
[ -d "$(dirname -- "$prefix")" ] || die "the directory of --prefix '$prefix' does not exist"
for f in "$@"; do
    [ -f "$f" ] && [ -r "$f" ] && [ -s "$f" ] || die "hits file '$f' is not a readable, non-empty file"
done

# One awk pass: the reference gives contig order and lengths, then every hits file.
# Output goes to temporary names first, so a failure never leaves half the set.
# Strings go in through the environment: awk -v would interpret backslashes.
SAMPLE=$sample PREFIX=$prefix awk -F '\t' -v bin="$bin" -v lanes=$# '
    BEGIN { sample = ENVIRON["SAMPLE"]; prefix = ENVIRON["PREFIX"] }
    function die(msg) { print "count.sh: error: " msg > "/dev/stderr"; failed = 1; exit 1 }
    FNR == 1 { file = FILENAME; nfile++ }
    nfile == 1 {                                   # the reference FASTA
        if (FNR == 1 && substr($0, 1, 1) != ">") die(file ": not a FASTA file (no > header on line 1)")
        if (substr($0, 1, 1) == ">") {
            split($0, word, " "); name = substr(word[1], 2)
            if (name == "") die(file ":" FNR ": FASTA header without a name")
            if (name in len) die(file ":" FNR ": contig " name " appears twice")
            order[++ncontig] = name; len[name] = 0
        } else {
            gsub(/[ \t\r]/, ""); len[name] += length($0)
        }
        next
    }
    FNR == 1 {                                     # a hits file: "# read_group=S.L ..."
        rg = ""; n = split($0, word, " ")
        for (i = 1; i <= n; i++) if (substr(word[i], 1, 11) == "read_group=") rg = substr(word[i], 12)
        if (substr($0, 1, 1) != "#" || rg == "") die(file ": no \"# read_group=\" header: not written by align.py?")
        if (substr(rg, 1, length(sample) + 1) != sample ".") die(file ": read group " rg " is not a lane of sample " sample)
        next
    }
    FNR == 2 {
        if ($0 != "read\tcontig\tpos\tstrand\tmismatches") die(file ":2: unexpected column header")
        next
    }
    {
        if (NF != 5) die(file ":" FNR ": expected 5 tab-separated fields, got " NF)
        reads++
        if ($2 == "*") { unmapped++; next }
        if (!($2 in len)) die(file ":" FNR ": contig " $2 " is not in the reference")
        if ($3 !~ /^[0-9]+$/ || $3 < 1 || $3 > len[$2]) die(file ":" FNR ": position " $3 " outside contig " $2)
        if ($4 != "+" && $4 != "-") die(file ":" FNR ": strand must be + or -, got " $4)
        if ($5 !~ /^[0-9]+$/) die(file ":" FNR ": mismatches must be a count, got " $5)
        hits[$2]++; b = int(($3 - 1) / bin); binhits[$2, b]++
        strand[$4]++; mm += $5
    }
    END {
        if (failed) exit 1
        if (nfile < 2) { print "count.sh: error: no hits files read" > "/dev/stderr"; exit 1 }
        if (ncontig == 0) { print "count.sh: error: reference has no contigs" > "/dev/stderr"; exit 1 }
        out = prefix ".contigs.tsv.part"
        print "contig\tlength\treads\treads_per_kb" > out
        for (i = 1; i <= ncontig; i++) {
            c = order[i]
            printf "%s\t%d\t%d\t%.1f\n", c, len[c], hits[c], (len[c] ? 1000 * hits[c] / len[c] : 0) > out
        }
        close(out)
        out = prefix ".coverage.tsv.part"
        print "contig\tstart\tend\treads" > out
        for (i = 1; i <= ncontig; i++) {
            c = order[i]
            for (b = 0; b * bin < len[c]; b++) {
                end = (b + 1) * bin; if (end > len[c]) end = len[c]
                printf "%s\t%d\t%d\t%d\n", c, b * bin + 1, end, binhits[c, b] > out
            }
        }
        close(out)
        mapped = reads - unmapped
        out = prefix ".stats.tsv.part"
        print "key\tvalue" > out
        print "sample\t" sample > out
        print "lanes\t" lanes > out
        print "reads\t" reads + 0 > out
        print "mapped\t" mapped > out
        print "unmapped\t" unmapped + 0 > out
        printf "mapped_pct\t%.1f\n", (reads ? 100 * mapped / reads : 0) > out
        print "forward\t" strand["+"] + 0 > out
        print "reverse\t" strand["-"] + 0 > out
        printf "mean_mismatches\t%.2f\n", (mapped ? mm / mapped : 0) > out
        close(out)
    }
' "$ref" "$@" || { rm -f "$prefix".{contigs,coverage,stats}.tsv.part; exit 1; }

for part in contigs coverage stats; do
    mv -- "$prefix.$part.tsv.part" "$prefix.$part.tsv"
done
echo "count.sh: $sample: $(awk -F'\t' '$1=="mapped"{m=$2} $1=="reads"{r=$2} END{print m " of " r}' "$prefix.stats.tsv") reads mapped, $# lane(s)" >&2
