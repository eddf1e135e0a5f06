#!/usr/bin/env bash
# qforge bench (llama-bench's table, --json with the documented fields), qforge eval (llama.cpp's HellaSwag
# lines, JSON-lines tasks) and qforge advise (table, recommendation, --json), and their refusals.
set -eu
bin=$1 shared=$2 work=$3/bench_eval_advise json_fields=$4
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
rm -rf "$work" && mkdir -p "$work"
"$bin" bench -m "$fx/gguf/stories260K-f32.gguf" -p 64 -n 16 -r 2 --json > "$work/bench.json"
"$json_fields" "$work/bench.json" model kernels size_bytes parameters bits_per_weight threads load_ms n_prompt \
  pp_tps pp_tps_sd n_gen tg_tps tg_tps_sd repetitions peak_rss_mib
table=$("$bin" bench -m "$fx/gguf/stories260K-f32.gguf" -p 32 -n 8 -r 1)
grep -Eq '^\| .*stories260K-f32.gguf \| [0-9.]+ MiB \| [0-9.]+ M \| 32.00 \| CPU \((avx512|avx2|scalar)\) \| [0-9]+ \| pp32 \| [0-9.]+ ± [0-9.]+ \|$' \
  <<<"$table" || { echo "FAIL: bench table: $table"; exit 1; }
grep -q "| tg8 |" <<<"$table" || { echo "FAIL: no decode row"; exit 1; }

out=$("$bin" eval -m "$fx/gguf/stories260K-f32.gguf" --task hellaswag -f "$fx/text/hellaswag_val_1000.txt" --limit 20 --no-ctx-check)
grep -q "^task	acc_norm$" <<<"$out" || { echo "FAIL: no llama.cpp header"; exit 1; }
grep -Eq '^20	[0-9]+\.[0-9]{8}$' <<<"$out" || { echo "FAIL: no running acc_norm line"; exit 1; }
grep -Eq '^Final hellaswag: acc_norm = [0-9.]+ \+/- [0-9.]+, acc = [0-9.]+ \+/- [0-9.]+ \(20 tasks\)$' <<<"$out" || { echo "FAIL: $out"; exit 1; }
printf '%s\n' '{"context": "The dictionary", "choices": ["is a mapping.", "zq zq."], "label": 0}' > "$work/t.jsonl"
"$bin" eval -m "$fx/gguf/pydoc6m-f32.gguf" --task mc -f "$work/t.jsonl" --json > "$work/eval.json"
"$json_fields" "$work/eval.json" task tasks acc acc_stderr acc_norm acc_norm_stderr

# advise: a table and a recommendation; --json with its fields
out=$("$bin" advise --params 70B --memory 24GB --device cpu --bandwidth 50)
grep -q "^| Q4_K_M | " <<<"$out" || { echo "FAIL: advise table: $out"; exit 1; }
grep -q "^recommendation: IQ2_XS" <<<"$out" || { echo "FAIL: advise recommendation: $out"; exit 1; }
"$bin" advise --params 8B --memory 8GB --device nvidia --json > "$work/advise.json"
"$json_fields" "$work/advise.json" source parameters layers kv_heads device bandwidth_gbs formats recommended reason
grep -q '"recommended": "AWQ INT4 g128"' "$work/advise.json" || { echo "FAIL: nvidia recommendation"; exit 1; }
"$bin" advise -m "$fx/gguf/pydoc6m-f32.gguf" --ctx 256 --bandwidth 10 | grep -q "MiB" || { echo "FAIL: small model units"; exit 1; }

refuse() {
  set +e; err=$("$bin" "$@" 2>&1 >/dev/null); rc=$?; set -e
  if [ "$rc" -ne 1 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then echo "FAIL ($rc): $* -> $err"; exit 1; fi
}
refuse bench -m "$fx/text/pydoc-test.txt"
refuse bench -m "$fx/gguf/stories260K-f32.gguf" -p 0 -n 0
refuse eval -m "$fx/gguf/pydoc6m-f32.gguf" --task hellaswag -f "$work/t.jsonl"
refuse eval -m "$fx/gguf/stories260K-f32.gguf" --task hellaswag -f "$fx/text/hellaswag_val_1000.txt"  # tasks beyond its 128-token training context
refuse eval -m "$fx/gguf/pydoc6m-f32.gguf" --task mc -f "$work/missing.jsonl"
refuse advise --params 70B --model "$fx/gguf/pydoc6m-f32.gguf"
refuse advise --params 70Q
refuse advise --params 8B --memory "8 parsecs"
echo "bench, eval and advise: ok"
