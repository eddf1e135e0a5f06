#!/usr/bin/env bash
# Regenerates docs/calibrated-quantization.md: pydoc6m quantized with GPTQ and AWQ (calibration text
# pydoc-valid.txt, 128 samples of 256 tokens) beside round-to-nearest on the same grid and beside llama.cpp's
# own files of the same mixes (plain and with the fixture imatrix); KL-divergence against the F32 model on
# pydoc-test.txt, -c 256 (llama-perplexity's chunks). About 15 minutes on 2 cores.
# Usage: bash scripts/calibrated_table.sh [OUT.md]   (needs a Release build in build/ and ../shared)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/calibrated-quantization.md}
shared=${QFORGE_SHARED:-../shared}
fx=$shared/fixtures
bin=${QFORGE_BIN:-build/bin/qforge}
[ -x "$bin" ] || { echo "build qforge first (cmake -S . -B build && cmake --build build)" >&2; exit 1; }
[ -d "$fx" ] || { echo "fixtures not found at $fx (set QFORGE_SHARED)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
base=$fx/gguf/pydoc6m-f32.gguf
calib=(--calib "$fx/text/pydoc-valid.txt" --calib-samples 128 --calib-ctx 256)
field() { grep -o "\"$1\": *[-0-9.e]*" | head -1 | sed 's/.*: *//'; }

echo "base: F32 log-probabilities" >&2
"$bin" perplexity -m "$base" -f "$fx/text/pydoc-test.txt" -c 256 --kl-divergence-base "$work/base.kld" >/dev/null 2>&1

rows=()
# row GRID METHOD FILE BYTES BPW
row() {
  local k
  k=$("$bin" perplexity -m "$3" -f "$fx/text/pydoc-test.txt" -c 256 --kl-divergence-base "$work/base.kld" --kl-divergence --json 2>/dev/null)
  rows+=("$(printf '| %s | %s | %s | %.2f | %.4f | %.6f ± %.6f |' "$1" "$2" "$4" "$5" \
    "$(echo "$k" | tr ',' '\n' | field ppl)" "$(echo "$k" | tr ',' '\n' | field mean_kld)" "$(echo "$k" | tr ',' '\n' | field mean_kld_error)")")
  echo "${rows[-1]}" >&2
}
inspect_row() {  # GRID METHOD FILE
  local j
  j=$("$bin" inspect --json --no-tensors "$3")
  row "$1" "$2" "$3" "$(echo "$j" | field file_bytes)" "$(echo "$j" | field bits_per_weight)"
}

for mix in Q4_K_M Q3_K_M Q2_K; do
  lower=$(echo "$mix" | tr 'A-Z' 'a-z')
  inspect_row "$mix" "llama.cpp" "$fx/gguf/pydoc6m-$lower.gguf"
  inspect_row "$mix" "llama.cpp + imatrix" "$fx/gguf/pydoc6m-$lower-imatrix.gguf"
  for m in gptq awq; do
    "$bin" quantize -q "$base" "$work/$mix-$m.gguf" "$mix" --method "$m" "${calib[@]}" 2>/dev/null
    inspect_row "$mix" "qforge $m" "$work/$mix-$m.gguf"
  done
done
# INTn grids as the checkpoints vLLM and transformers load: written with --format, measured by running the
# checkpoint directory itself (AutoAWQ's layout is 4-bit only, so INT3 AWQ goes into AutoGPTQ's layout)
for bits in 4 3; do
  for m in rtn gptq awq; do
    fmt=gptq
    if [ "$bits" = 4 ] && [ "$m" = awq ]; then fmt=awq; fi
    j=$("$bin" quantize -q "$fx/models/pydoc6m" "$work/int$bits-$m" --format "$fmt" --bits "$bits" --group-size 128 \
      --method "$m" "${calib[@]}" --json 2>/dev/null)
    row "INT$bits g128 ($fmt checkpoint)" "qforge $m" "$work/int$bits-$m" "$(echo "$j" | field bytes_after)" "$(echo "$j" | field bpw_after)"
  done
done
# GPTQ's edge in a file llama.cpp runs as it is: a symmetric INT4 g32 AutoGPTQ checkpoint, which qforge convert
# turns into Q4_0 without touching a level (embeddings and lm_head stay F16, as in the checkpoint), beside
# llama-quantize's Q4_0 of the same composition (qforge quantize writes llama-quantize's bytes)
f16_ends=(--pure --token-embedding-type f16 --output-tensor-type f16)
"$bin" quantize -q "$base" "$work/q4_0-f16ends.gguf" Q4_0 "${f16_ends[@]}" 2>/dev/null
inspect_row "Q4_0, F16 embeddings and lm_head" "llama.cpp's quantizer" "$work/q4_0-f16ends.gguf"
"$bin" quantize -q "$fx/models/pydoc6m" "$work/g32" --format gptq --bits 4 --group-size 32 --sym --method gptq "${calib[@]}" 2>/dev/null
"$bin" convert -q "$work/g32" "$work/g32-q4_0.gguf" 2>/dev/null
inspect_row "Q4_0, F16 embeddings and lm_head" "qforge gptq (INT4 g32 sym checkpoint, converted)" "$work/g32-q4_0.gguf"

{
  echo "# Calibrated quantization: GPTQ and AWQ against round-to-nearest and llama.cpp"
  echo
  echo "pydoc6m (6.8 M parameters), calibration \`text/pydoc-valid.txt\` (128 samples of 256 tokens, layer by layer),"
  echo "evaluation \`text/pydoc-test.txt\` with \`-c 256\` (312 chunks, llama-perplexity's scoring); KL-divergence"
  echo "against \`pydoc6m-f32.gguf\`. The llama.cpp rows are the fixture files \`llama-quantize\` wrote (the imatrix"
  echo "ones with \`pydoc6m.imatrix\`). GGUF rows give the file's size. INT rows are AutoGPTQ/AutoAWQ checkpoint"
  echo "directories written by \`qforge quantize --format gptq|awq\` and run as they are (bytes of model.safetensors:"
  echo "qweight, qzeros, fp16 scales, g_idx; embeddings, norms and lm_head in F16, which is most of this small model)."
  echo "The last rows: a GPTQ checkpoint that \`qforge convert\` turned into Q4_0 exactly (same levels and scales),"
  echo "beside llama.cpp's quantizer on the same composition (Q4_0 matrices, F16 token embeddings and lm_head)."
  echo
  echo "Regenerate: \`bash scripts/calibrated_table.sh\` (about 15 minutes on 2 cores)."
  echo
  echo "| grid | method | bytes | bpw | PPL | mean KLD |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out" >&2
