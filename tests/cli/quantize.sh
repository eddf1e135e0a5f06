#!/usr/bin/env bash
# qforge quantize writes llama-quantize's file byte for byte (pure and mixed); bad requests are refused clearly.
set -eu
bin=$1 shared=$2 work=$3/quantize json_fields=$4
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
# imatrix: ours from a few chunks, in both layouts; quantize reads either and records it
"$bin" imatrix -m "$fx/gguf/pydoc6m-f32.gguf" -f "$fx/text/pydoc-valid.txt" -c 256 --chunks 3 -o "$work/i.dat" >/dev/null 2>&1
"$bin" imatrix -m "$fx/gguf/pydoc6m-f32.gguf" -f "$fx/text/pydoc-valid.txt" -c 256 --chunks 3 -o "$work/i.gguf" \
  --format gguf >/dev/null 2>&1
for im in "$work/i.dat" "$work/i.gguf"; do
  "$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/q2ks.gguf" Q2_K_S --imatrix "$im" 2>/dev/null
  "$bin" inspect "$work/q2ks.gguf" | grep -q "quantize.imatrix.chunks_count *i32 *3" || { echo "FAIL: imatrix not recorded ($im)"; exit 1; }
done
# overrides: --tensor-type wins over the mix; one that matches nothing is an error
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/ov.gguf" Q4_K_M --tensor-type 'attn_v=q8_0' \
  --output-tensor-type q4_0 --token-embedding-type q8_0 2>/dev/null
"$bin" inspect "$work/ov.gguf" | grep -Eq "blk.3.attn_v.weight +q8_0" || { echo "FAIL: --tensor-type ignored"; exit 1; }
"$bin" inspect "$work/ov.gguf" | grep -Eq "output.weight +q4_0" || { echo "FAIL: --output-tensor-type ignored"; exit 1; }
"$bin" inspect "$work/ov.gguf" | grep -Eq "token_embd.weight +q8_0" || { echo "FAIL: --token-embedding-type ignored"; exit 1; }
for args in "Q2_K_S" "Q4_K_M --tensor-type nothing_like_this=q8_0" "Q4_K_M --tensor-type attn_v=q9_9" \
            "Q4_K_M --imatrix $fx/text/pydoc-valid.txt" "Q4_K_M --output-tensor-type bogus"; do
  # shellcheck disable=SC2086
  if "$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/x.gguf" $args 2>/dev/null; then echo "FAIL: accepted $args"; exit 1; fi
done
# rows that do not fill 256-blocks (stories260K: dim 64) take llama.cpp's fallback types, with a warning each and a count
"$bin" quantize -q "$fx/gguf/stories260K-f32.gguf" "$work/s.gguf" Q4_K_M 2>"$work/s.log"
grep -q "WARNING: 36 of 37 tensor(s) required fallback quantization" "$work/s.log" || { echo "FAIL: no fallback count"; cat "$work/s.log"; exit 1; }
grep -q "blk.0.attn_q.weight.*fallback type q5_0" "$work/s.log" || { echo "FAIL: no per-tensor fallback warning"; exit 1; }
# --method gptq: clear refusals (it needs calibration text and a type it can write)
for args in "Q4_0 --method gptq" "TQ2_0 --pure --method gptq --calib $fx/text/pydoc-valid.txt --calib-samples 2 --calib-ctx 64" \
            "Q4_0 --method awq --calib $fx/text/pydoc-valid.txt --calib-ctx 1000000" "Q4_0 --method awq"; do
  # shellcheck disable=SC2086
  if "$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/x.gguf" $args 2>/dev/null; then echo "FAIL: accepted $args"; exit 1; fi
done
# from a Hugging Face directory, calibration runs on a scratch F32 GGUF: the same file as from the F32 GGUF
for input in "$fx/models/pydoc6m" "$fx/gguf/pydoc6m-f32.gguf"; do
  "$bin" quantize -q "$input" "$work/hf-$(basename "$input").gguf" Q4_0 --method gptq --calib "$fx/text/pydoc-valid.txt" \
    --calib-samples 2 --calib-ctx 64 2>/dev/null
done
cmp "$work/hf-pydoc6m.gguf" "$work/hf-pydoc6m-f32.gguf.gguf" || { echo "FAIL: gptq from a checkpoint directory differs"; exit 1; }
# refusals say what was wrong
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/x.gguf" Q4_0 --method gptq --calib "$fx/text/pydoc-valid.txt" \
  --calib-ctx 1000000 2>"$work/e.log" && exit 1
grep -q "pydoc-valid.txt: the calibration text has .* tokens, shorter than one sample of 1000000" "$work/e.log" || { cat "$work/e.log"; exit 1; }
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/x.gguf" TQ2_0 --pure --method gptq --calib "$fx/text/pydoc-valid.txt" \
  2>"$work/e.log" && exit 1
grep -q "gptq: no linear weight is planned in a type gptq can write" "$work/e.log" || { cat "$work/e.log"; exit 1; }
# a calibrated file (a few short samples) is a standard GGUF the engine runs; AWQ's rescaled norms are in it
for m in gptq awq; do
  "$bin" quantize "$fx/gguf/pydoc6m-f32.gguf" "$work/$m.gguf" Q4_K_M --method $m --calib "$fx/text/pydoc-valid.txt" \
    --calib-samples 4 --calib-ctx 64 --json > "$work/$m.json" 2>/dev/null
  "$json_fields" "$work/$m.json" calib_samples layer_seconds >/dev/null || { echo "FAIL: $m summary"; exit 1; }
  "$bin" inspect "$work/$m.gguf" | grep -q "general.file_type.*15" || { echo "FAIL: $m file type"; exit 1; }
  "$bin" perplexity -m "$work/$m.gguf" -f "$fx/text/pydoc-test.txt" -c 128 --chunks 4 2>&1 | grep -q "Final estimate: PPL" \
    || { echo "FAIL: $m file does not run"; exit 1; }
done
[ "$(grep -o '"awq_scaled_groups": [0-9]*' "$work/awq.json" | grep -o '[0-9]*$')" -gt 0 ] || { echo "FAIL: no AWQ group scaled"; exit 1; }
# a Hugging Face checkpoint quantizes directly, as if converted to F32 first
"$bin" quantize -q "$fx/models/pydoc6m" "$work/hf.gguf" Q4_K_M 2>/dev/null
cmp "$work/hf.gguf" "$fx/gguf/pydoc6m-q4_k_m.gguf" || { echo "FAIL: HF input differs from llama-quantize of the F32 GGUF"; exit 1; }
if "$bin" quantize -q "$fx/gguf/pydoc6m-pure-q8_0.gguf" "$work/x.gguf" Q4_0 --pure 2>/dev/null; then
  echo "FAIL: requantized without --allow-requantize"; exit 1
fi
[ ! -e "$work/x.gguf" ]
# shards: cut by size, named and listed, read by their first shard, kept by --keep-split (byte-identity with
# llama.cpp is tests/integration/sharded_gguf_test.cpp's); contradicting flags are refused with nothing written
"$bin" quantize "$fx/gguf/pydoc6m-f32.gguf" "$work/sh.gguf" F32 --split-max-size 10M --json > "$work/sh.json" 2>/dev/null
"$json_fields" "$work/sh.json" outputs >/dev/null
for i in 1 2 3; do [ -s "$work/sh-0000$i-of-00003.gguf" ] || { echo "FAIL: shard $i"; cat "$work/sh.json"; exit 1; }; done
[ ! -e "$work/sh.gguf" ]
"$bin" inspect "$work/sh-00001-of-00003.gguf" | grep -q "GGUF v3, 3 shards" || { echo "FAIL: inspect of shards"; exit 1; }
"$bin" quantize -q "$work/sh-00001-of-00003.gguf" "$work/shq.gguf" Q4_K_M --keep-split 2>/dev/null
"$bin" perplexity -m "$work/shq-00001-of-00003.gguf" -f "$fx/text/pydoc-test.txt" -c 128 --chunks 2 2>&1 | grep -q "Final estimate: PPL" \
  || { echo "FAIL: sharded output does not run"; exit 1; }
"$bin" inspect "$work/sh-00002-of-00003.gguf" 2>"$work/e.log" && exit 1
grep -q "this is shard 2 of 3 of a split model: open the first shard" "$work/e.log" || { cat "$work/e.log"; exit 1; }
"$bin" quantize -q "$work/sh-00001-of-00003.gguf" "$work/y.gguf" Q8_0 --keep-split --split-max-tensors 9 2>"$work/e.log" && exit 1
grep -q "cannot be combined" "$work/e.log" || { cat "$work/e.log"; exit 1; }
"$bin" quantize -q "$fx/models/pydoc6m" "$work/y.gguf" Q8_0 --keep-split 2>"$work/e.log" && exit 1
grep -q "follows the shards of a GGUF input" "$work/e.log" || { cat "$work/e.log"; exit 1; }
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/y.gguf" Q8_0 --split-max-size 1K 2>"$work/e.log" && exit 1
grep -q "expected a whole number of megabytes or gigabytes" "$work/e.log" || { cat "$work/e.log"; exit 1; }
ls "$work" | grep -q '^y' && { echo "FAIL: a refused run left files"; exit 1; }
echo "quantize: ok"
