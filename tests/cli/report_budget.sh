#!/usr/bin/env bash
# qforge report with budget plans beside a mix on pydoc6m (a few chunks): a cell per plan within its bits per
# weight, and the plans drawn as a curve in the chart. Minutes of probing under the sanitizers, so it runs in the
# Release build only (a *Figure* test); the planner itself runs under them in integration.BudgetQuantize.*.
set -eu
bin=$1 shared=$2 work=$3/report_budget
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
rm -rf "$work"
mkdir -p "$work"
"$bin" report -m "$fx/gguf/pydoc6m-f32.gguf" --types Q4_K_M,4.5bpw,3.5bpw --methods imatrix -f "$fx/text/pydoc-test.txt" \
  --calib "$fx/text/pydoc-valid.txt" -c 256 --chunks 2 --bench-p 0 --bench-n 0 -o "$work" >/dev/null 2>"$work/log" \
  || { cat "$work/log"; exit 1; }
for cell in "4.5bpw | imatrix" "3.5bpw | imatrix" "Q4_K_M | imatrix"; do
  [ "$(grep -c "^| $cell" "$work/report.md")" -eq 1 ] || { echo "FAIL: no $cell cell"; cat "$work/log"; exit 1; }
done
curves=$(xmllint --xpath "count(//*[@class='budget-curve'])" "$work/size-vs-kld.svg")
[ "$curves" = "1" ] || { echo "FAIL: $curves budget curves in the chart, expected 1"; exit 1; }
grep -q "imatrix budget plan" "$work/size-vs-kld.svg" || { echo "FAIL: no budget series in the legend"; exit 1; }
awk -F'|' '$2 ~ /bpw/ { t = $2 + 0; if ($5 + 0 > t) { print "FAIL: " $2 "plan at " $5 " bpw"; bad = 1 } } END { exit bad }' "$work/report.md"
echo "report budget plans: ok"
