#!/usr/bin/env bash
# The main demo on real models from ../shared/fixtures: convert a Hugging Face checkpoint and a llama2.c
# checkpoint to GGUF, inspect the results, check them byte for byte against llama.cpp's own conversions, then
# tokenize, generate and measure perplexity with the converted files.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${QFORGE_SHARED:-../shared}
fx=$shared/fixtures
[ -d "$fx" ] || { echo "demo: fixtures not found at $fx (put ../shared beside the checkout or set QFORGE_SHARED)"; exit 1; }
bash scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$(nproc)" --target qforge_cli
qf=build/bin/qforge
out=demo-out
mkdir -p "$out"

echo; echo "== Hugging Face checkpoint (config.json + safetensors + tokenizer.model)"
$qf inspect --no-tensors "$fx/models/pydoc6m"
for t in f32 f16 bf16; do
  $qf convert "$fx/models/pydoc6m" "$out/pydoc6m-$t.gguf" --outtype "$t"
  if cmp -s "$out/pydoc6m-$t.gguf" "$fx/gguf/pydoc6m-$t.gguf"; then
    echo "   $out/pydoc6m-$t.gguf is byte-identical to llama.cpp's convert_hf_to_gguf.py output"
  else
    echo "   $out/pydoc6m-$t.gguf DIFFERS from llama.cpp's output"; exit 1
  fi
done
echo; echo "== The converted GGUF"
# (whole outputs captured first: `| head` would stop qforge early, and pipefail would end the demo)
listing=$($qf inspect "$out/pydoc6m-f16.gguf")
head -n 40 <<<"$listing"
echo "   ..."
tail -n 1 <<<"$listing"

echo; echo "== llama2.c checkpoint (stories260K.bin + tok512.bin)"
$qf convert "$fx/models/stories260K/stories260K.bin" "$out/stories260K-f32.gguf" --outtype f32
listing=$($qf inspect --no-tensors "$out/stories260K-f32.gguf")
tail -n 1 <<<"$listing"

echo; echo "== Running the converted models"
$qf tokenize -m "$out/pydoc6m-f16.gguf" -p "The dictionary"
$qf run -m "$out/stories260K-f32.gguf" -p "Once upon a time" -n 40 --temp 0
$qf run -m "$out/pydoc6m-f16.gguf" -p "The dictionary" -n 40 --temp 0
echo; echo "== Perplexity of pydoc6m (F16) on held-out Python docs, first 40 chunks of 256 tokens"
$qf perplexity -m "$out/pydoc6m-f16.gguf" -f "$fx/text/pydoc-test.txt" -c 256 --chunks 40

echo; echo "== Quantization: Q4_K_M straight from the Hugging Face checkpoint, as llama-quantize makes it"
$qf quantize -q "$fx/models/pydoc6m" "$out/pydoc6m-q4_k_m.gguf" Q4_K_M
if cmp -s "$out/pydoc6m-q4_k_m.gguf" "$fx/gguf/pydoc6m-q4_k_m.gguf"; then
  echo "   $out/pydoc6m-q4_k_m.gguf is byte-identical to llama-quantize's Q4_K_M of the F32 GGUF"
else
  echo "   $out/pydoc6m-q4_k_m.gguf DIFFERS from llama-quantize's output"; exit 1
fi
echo; echo "== An importance matrix from calibration text (first 60 chunks), and Q3_K_M with it"
$qf imatrix -m "$out/pydoc6m-f32.gguf" -f "$fx/text/pydoc-valid.txt" -c 256 --chunks 60 -o "$out/pydoc6m.imatrix"
$qf quantize -q "$out/pydoc6m-f32.gguf" "$out/pydoc6m-q3_k_m-imatrix.gguf" Q3_K_M --imatrix "$out/pydoc6m.imatrix"
echo; echo "== Perplexity of the quantized files (first 40 chunks)"
for f in q4_k_m q3_k_m-imatrix; do
  ppl=$($qf perplexity -m "$out/pydoc6m-$f.gguf" -f "$fx/text/pydoc-test.txt" -c 256 --chunks 40 2>/dev/null)
  printf '%-16s %s\n' "$f" "$(tail -n 1 <<<"$ppl")"
done
echo; echo "== GPTQ into an AutoGPTQ checkpoint (INT4, groups of 32, symmetric), then into GGUF without touching a level"
rm -rf "$out/pydoc6m-gptq"
$qf quantize -q "$fx/models/pydoc6m" "$out/pydoc6m-gptq" --format gptq --method gptq --bits 4 --group-size 32 --sym \
  --calib "$fx/text/pydoc-valid.txt" --calib-samples 32 --calib-ctx 256
ls "$out/pydoc6m-gptq"
$qf convert -q "$out/pydoc6m-gptq" "$out/pydoc6m-gptq-q4_0.gguf"
for m in "$out/pydoc6m-gptq" "$out/pydoc6m-gptq-q4_0.gguf"; do
  printf '%-40s %s\n' "$(basename "$m")" "$($qf perplexity -m "$m" -f "$fx/text/pydoc-test.txt" -c 256 --chunks 40 2>/dev/null | tail -n 1)"
done
echo; echo "demo: done; outputs are in $out/"
