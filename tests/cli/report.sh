#!/usr/bin/env bash
# qforge report on pydoc6m: six types x two methods (a few chunks, to keep the suite fast) give report.md,
# report.json and an SVG chart that an XML parser accepts, with one marker per cell; a second run resumes.
set -eu
bin=$1 shared=$2 work=$3/report json_fields=$4
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
rm -rf "$work"
args=(report -m "$fx/gguf/pydoc6m-f32.gguf" --types Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K --methods rtn,imatrix
      -f "$fx/text/pydoc-test.txt" --calib "$fx/text/pydoc-valid.txt" -c 256 --chunks 2 --bench-p 16 --bench-n 4 -o "$work")
"$bin" "${args[@]}" >/dev/null 2>"$work.log" || { cat "$work.log"; exit 1; }
for f in report.md report.json size-vs-kld.svg; do [ -s "$work/$f" ] || { echo "FAIL: no $f"; exit 1; }; done
"$json_fields" "$work/report.json" base eval cells
[ "$(grep -c '^| Q[0-9]' "$work/report.md")" -eq 12 ] || { echo "FAIL: report.md rows"; exit 1; }
xmllint --noout "$work/size-vs-kld.svg"
markers=$(xmllint --xpath "count(//*[@class='marker'])" "$work/size-vs-kld.svg")
[ "$markers" = "12" ] || { echo "FAIL: $markers markers in the chart, expected 12"; exit 1; }
xmllint --xpath "count(//*[@class='pareto'])" "$work/size-vs-kld.svg" | grep -q '^1$' || { echo "FAIL: no Pareto front"; exit 1; }
# resumable: the second run measures nothing again
"$bin" "${args[@]}" >/dev/null 2>"$work.log"
grep -q "12 cells (12 from an earlier run)" "$work.log" || { echo "FAIL: did not resume"; cat "$work.log"; exit 1; }
# gptq and awq cells, for a legacy type and a k-quant mix alike, and the checkpoint formats beside them
"$bin" report -m "$fx/gguf/pydoc6m-f32.gguf" --types Q4_0,Q4_K_M --methods gptq,awq --formats mlx4,mlx8,fp8 -f "$fx/text/pydoc-test.txt" \
  --calib "$fx/text/pydoc-valid.txt" -c 256 --chunks 2 --bench-p 0 --bench-n 0 -o "$work/gptq" >/dev/null 2>"$work.log"
for cell in "Q4_0 | gptq" "Q4_K_M | gptq" "Q4_0 | awq" "Q4_K_M | awq" "MLX INT4 g64 | rtn" "MLX INT8 g64 | rtn" "FP8 E4M3 per-channel | rtn"; do
  [ "$(grep -c "^| $cell" "$work/gptq/report.md")" -eq 1 ] || { echo "FAIL: no $cell cell"; cat "$work.log"; exit 1; }
done
# refusals
if "$bin" report -m "$fx/gguf/pydoc6m-f32.gguf" --types Q4_K_M --methods imatrix -f "$fx/text/pydoc-test.txt" -o "$work/x" 2>/dev/null; then
  echo "FAIL: imatrix without --calib"; exit 1
fi
if "$bin" report -m "$fx/gguf/pydoc6m-f32.gguf" --types Q9_9 -f "$fx/text/pydoc-test.txt" -o "$work/x" 2>/dev/null; then
  echo "FAIL: unknown type"; exit 1
fi
if "$bin" report -m "$fx/gguf/pydoc6m-f32.gguf" --types 3.5bpw --methods awq -f "$fx/text/pydoc-test.txt" \
   --calib "$fx/text/pydoc-valid.txt" -o "$work/x" 2>"$work.log"; then
  echo "FAIL: budget plan with awq"; exit 1
fi
grep -q "a budget plan is quantized with rtn, imatrix or gptq" "$work.log" || { cat "$work.log"; exit 1; }
echo "report: ok"
