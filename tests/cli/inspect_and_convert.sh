#!/usr/bin/env bash
# The README's commands on real fixtures: inspect in every input format (text and --json), and convert.
set -eu
bin=$1 shared=$2 work=$3/inspect_and_convert
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx (put ../shared beside the checkout or set QFORGE_SHARED)"; exit 1; }
rm -rf "$work" && mkdir -p "$work"

for target in "$fx/gguf/pydoc6m-q4_k_m.gguf" "$fx/models/pydoc6m" "$fx/models/pydoc6m/model.safetensors" \
              "$fx/models/stories260K/stories260K.bin"; do
  out=$("$bin" inspect "$target")
  grep -q "total: " <<<"$out" || { echo "FAIL: no totals for $target"; exit 1; }
  "$bin" inspect --json "$target" > "$work/inspect.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["tensors"] and d["bits_per_weight"] > 0' \
    "$work/inspect.json" 2>/dev/null || grep -q '"bits_per_weight"' "$work/inspect.json"
done
"$bin" inspect "$fx/gguf/pydoc6m-q4_k_m.gguf" | grep -q "blk.2.ffn_down.weight *q6_K"

"$bin" convert -q "$fx/models/pydoc6m" "$work/p.gguf" --outtype f16
cmp "$work/p.gguf" "$fx/gguf/pydoc6m-f16.gguf"
if "$bin" convert -q "$fx/models/pydoc6m" "$work/bad.gguf" --outtype q4_0 2>/dev/null; then
  echo "FAIL: --outtype q4_0 accepted"; exit 1
fi
[ ! -e "$work/bad.gguf" ]

# a llama.cpp file as a Hugging Face checkpoint, sharded, and back to the same file
mkdir -p "$work/hf"
"$bin" convert -q "$fx/gguf/pydoc6m-f16.gguf" "$work/hf/pydoc6m" --format hf --max-shard-size 4000000 2> "$work/hf.log"
grep -q "safetensors file(s)" "$work/hf.log"
[ -f "$work/hf/pydoc6m/model.safetensors.index.json" ] && [ -f "$work/hf/pydoc6m/model-00001-of-00004.safetensors" ]
[ -f "$work/hf/pydoc6m/tokenizer.model" ] && [ -f "$work/hf/pydoc6m/tokenizer_config.json" ]
"$bin" convert -q "$work/hf/pydoc6m" "$work/back.gguf" --outtype f16
cmp "$work/back.gguf" "$fx/gguf/pydoc6m-f16.gguf"
if "$bin" convert -q "$fx/gguf/pydoc6m-f16.gguf" "$work/hf/pydoc6m" --format hf 2> "$work/exists.log"; then
  echo "FAIL: an existing checkpoint directory was overwritten"; exit 1
fi
grep -q "not an empty directory" "$work/exists.log"
echo "inspect and convert: ok"
