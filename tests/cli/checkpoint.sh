#!/usr/bin/env bash
# qforge quantize --format gptq|awq writes AutoGPTQ/AutoAWQ checkpoint directories; qforge convert and the engine
# read them (and anyone's of those layouts); requests the layouts cannot hold are refused before any work.
set -eu
bin=$1 shared=$2 work=$3/checkpoint json_fields=$4
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
hf=$fx/models/pydoc6m
"$bin" quantize "$hf" "$work/gptq" --format gptq --bits 4 --group-size 32 --sym --json >"$work/gptq.json" 2>/dev/null
"$json_fields" "$work/gptq.json" format quantized bytes_after >/dev/null || { echo "FAIL: summary"; exit 1; }
for f in model.safetensors config.json quantize_config.json tokenizer.model tokenizer_config.json; do
  [ -f "$work/gptq/$f" ] || { echo "FAIL: gptq checkpoint has no $f"; exit 1; }
done
grep -q '"quant_method": "gptq"' "$work/gptq/config.json" || { echo "FAIL: no quantization_config"; exit 1; }
"$bin" inspect "$work/gptq/model.safetensors" | grep -Eq "model.layers.0.mlp.down_proj.qweight +i32 +\[256, 96\]" \
  || { echo "FAIL: qweight not [in*bits/32, out]"; exit 1; }
"$bin" inspect "$work/gptq/model.safetensors" | grep -Eq "model.layers.0.mlp.down_proj.g_idx +i32 +\[768\]" \
  || { echo "FAIL: no g_idx"; exit 1; }
# inspect counts each layer's in x out weights, not its packed words, and names the grid
"$bin" inspect "$work/gptq" | grep -q "quantization .*GPTQ INT4 g32 sym" || { echo "FAIL: inspect does not name the grid"; exit 1; }
"$bin" inspect "$work/gptq" | grep -q "total: 183 tensors, 6819072 parameters" || { echo "FAIL: inspect's parameter count"; exit 1; }
# convert says what it did with the layers; the engine runs the directory as the converted file (F32 floats, as it holds them)
"$bin" convert "$work/gptq" "$work/gptq.gguf" --outtype f32 -q 2>"$work/convert.log"
grep -q "42 layers (GPTQ INT4 g32 sym) -> q4_0: exact" "$work/convert.log" || { cat "$work/convert.log"; exit 1; }
"$bin" inspect "$work/gptq.gguf" | grep -q "general.file_type.*2" || { echo "FAIL: file type not MOSTLY_Q4_0"; exit 1; }
a=$("$bin" perplexity -m "$work/gptq" -f "$fx/text/pydoc-test.txt" -c 128 --chunks 4 2>&1 | grep "Final estimate")
b=$("$bin" perplexity -m "$work/gptq.gguf" -f "$fx/text/pydoc-test.txt" -c 128 --chunks 4 2>&1 | grep "Final estimate")
[ -n "$a" ] && [ "$a" = "$b" ] || { echo "FAIL: the directory ($a) and its GGUF ($b) differ"; exit 1; }
# shards as save_pretrained writes them, read back as the same model
"$bin" quantize -q "$hf" "$work/sharded" --format gptq --bits 4 --group-size 32 --sym --max-shard-size 3000000 2>/dev/null
[ -f "$work/sharded/model-00003-of-00003.safetensors" ] && grep -q '"total_size"' "$work/sharded/model.safetensors.index.json" \
  || { echo "FAIL: no shards"; ls "$work/sharded"; exit 1; }
c=$("$bin" perplexity -m "$work/sharded" -f "$fx/text/pydoc-test.txt" -c 128 --chunks 4 2>&1 | grep "Final estimate")
[ "$a" = "$c" ] || { echo "FAIL: the sharded checkpoint ($c) differs from the single file ($a)"; exit 1; }
"$bin" quantize "$hf" "$work/awq" --format awq --group-size 64 -q 2>/dev/null
grep -q '"version": "gemm"' "$work/awq/config.json" || { echo "FAIL: awq quantization_config"; exit 1; }
"$bin" convert "$work/awq" "$work/awq.gguf" -q 2>"$work/convert.log"
grep -q "42 layers (AWQ GEMM INT4 g64) -> f16: dequantized" "$work/convert.log" || { cat "$work/convert.log"; exit 1; }
grep -q "qforge quantize .*requantizes" "$work/convert.log" || { echo "FAIL: no requantize hint"; exit 1; }
"$bin" run -m "$work/awq" -p "def" -n 4 >/dev/null 2>&1 || { echo "FAIL: the engine does not run the awq directory"; exit 1; }
# quantize requantizes a checkpoint from the values its loaders compute, and says so
"$bin" quantize -q "$work/awq" "$work/requant.gguf" Q4_K_M 2>"$work/requant.log"
grep -q "the AWQ GEMM INT4 g64 layers were dequantized and requantized to Q4_K_M" "$work/requant.log" || { cat "$work/requant.log"; exit 1; }
"$bin" inspect "$work/requant.gguf" | grep -Eq "blk.0.attn_q.weight +q4_K" || { echo "FAIL: not requantized"; exit 1; }
# from a GGUF: config.json and the tokenizer written from its metadata
"$bin" quantize -q "$fx/gguf/pydoc6m-f32.gguf" "$work/from-gguf" --format awq --group-size 128
[ -f "$work/from-gguf/tokenizer.model" ] && grep -q '"quant_method": "awq"' "$work/from-gguf/config.json"
"$bin" convert -q "$work/from-gguf" "$work/from-gguf.gguf" 2>/dev/null
# refusals, before any output
mkdir -p "$work/full" && touch "$work/full/x"
expect_refused() {  # pattern, then quantize's arguments
  local pattern=$1; shift
  if "$bin" quantize -q "$@" 2>"$work/e.log"; then echo "FAIL: accepted $*"; exit 1; fi
  grep -q -- "$pattern" "$work/e.log" || { echo "FAIL: '$*' said:"; cat "$work/e.log"; exit 1; }
}
expect_refused "AutoAWQ's GEMM layout is 4-bit" "$hf" "$work/x" --format awq --bits 3
expect_refused "stores zero points" "$hf" "$work/x" --format awq --sym
expect_refused "contiguous columns" "$hf" "$work/x" --format awq --act-order
expect_refused "AutoGPTQ packs 2, 3, 4 or 8" "$hf" "$work/x" --format gptq --bits 5
expect_refused "does not divide the 256 columns" "$hf" "$work/x" --format gptq --group-size 48
expect_refused "must be a checkpoint directory or a GGUF file" "$fx/models/stories260K/stories260K.bin" "$work/x" --format gptq
expect_refused "already quantized (GPTQ INT4 g32 sym)" "$work/gptq" "$work/x" --format gptq
expect_refused "needs calibration text" "$hf" "$work/x" --format gptq --method gptq
expect_refused "not an empty directory" "$hf" "$work/full" --format gptq
expect_refused "drop 'Q4_0'" "$hf" "$work/x" Q4_0 --format gptq
expect_refused "choose GGUF types" "$hf" "$work/x" --format gptq --imatrix "$fx/gguf/pydoc6m.imatrix"
[ ! -e "$work/x" ] || { echo "FAIL: a refused request left $work/x"; exit 1; }
[ "$(ls -A "$work" | grep -c '^\.')" = 0 ] || { echo "FAIL: a staging directory was left"; ls -A "$work"; exit 1; }
# a damaged checkpoint is named with the tensor
cp -r "$work/gptq" "$work/bad" && sed -i 's/"bits": 4/"bits": 8/' "$work/bad/quantize_config.json" "$work/bad/config.json"
if "$bin" convert "$work/bad" "$work/bad.gguf" -q 2>"$work/e.log"; then echo "FAIL: converted a wrong bit width"; exit 1; fi
grep -q "qzeros' has shape\|qweight" "$work/e.log" || { cat "$work/e.log"; exit 1; }
[ ! -e "$work/bad.gguf" ] || { echo "FAIL: partial output"; exit 1; }
echo "checkpoint: ok"
