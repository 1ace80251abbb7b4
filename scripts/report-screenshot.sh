#!/usr/bin/env bash
# docs/report.png: `makegen report` of the example pipeline, one of whose read files is cut
# short (so trim fails for ko-1 L2 and what reads from it is blocked), as headless Chromium
# draws it. Needs chromium (scripts/chromium.sh) and makegen in .venv (make demo).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MAKEGEN=${MAKEGEN:-$REPO/.venv/bin/makegen}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/makegen-screenshot.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

cp -r "$REPO/example_pipeline" "$WORK/example"
rm -rf "$WORK/example/build" "$WORK/example/results"
cd "$WORK/example"
head -n 7 data/reads/ko-1_L2.fq > "$WORK/cut.fq" && mv "$WORK/cut.fq" data/reads/ko-1_L2.fq
"$MAKEGEN" build >/dev/null
"$MAKEGEN" run -k -j 2 >/dev/null || true   # exits 1: trim[sample=ko-1,lane=L2] fails
"$MAKEGEN" report -o "$WORK/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$WORK/profile" \
    --window-size=1200,1380 --screenshot="$REPO/docs/report.png" "file://$WORK/report.html" 2>/dev/null
echo "wrote $REPO/docs/report.png"
