#!/usr/bin/env bash
# qforge quantize writes llama-quantize's file byte for byte (pure and mixed); bad requests are refused clearly.
set -eu
bin=$1 shared=$2 work=$3/quantize
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/q4_0.gguf" Q4_0 --pure 2>"$work/log"
cmp "$work/q4_0.gguf" "$fx/gguf/pydoc6m-pure-q4_0.gguf"
grep -q "BPW" "$work/log" || { echo "FAIL: no size summary"; exit 1; }
# llama.cpp's Q8_0 mix keeps every matrix in Q8_0, so without --pure the file is the same
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/q8_0.gguf" Q8_0 2>/dev/null
cmp "$work/q8_0.gguf" "$fx/gguf/pydoc6m-pure-q8_0.gguf"
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/q4_k_m.gguf" Q4_K_M 2>/dev/null
cmp "$work/q4_k_m.gguf" "$fx/gguf/pydoc6m-q4_k_m.gguf"
for args in "Q4_K" "Q9_0" "Q6_K --no-such-flag"; do
  # shellcheck disable=SC2086
  if "$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/x.gguf" $args 2>/dev/null; then echo "FAIL: accepted $args"; exit 1; fi
done
if "$bin" quantize -q "$fx/gguf/pydoc6m-pure-q8_0.gguf" "$work/x.gguf" Q4_0 --pure 2>/dev/null; then
  echo "FAIL: requantized without --allow-requantize"; exit 1
fi
[ ! -e "$work/x.gguf" ]
echo "quantize: ok"
