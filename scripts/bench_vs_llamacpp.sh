#!/usr/bin/env bash
# qforge's engine side by side with llama.cpp (and ik_llama.cpp) on the same GGUF files, same threads: makes a
# synthetic model of a real shape, quantizes it with llama-quantize, then runs llama-bench and `qforge bench`
# interleaved, round after round, and prints the table of tokens/s (median over rounds) with qforge's ratio to
# the better reference engine and the weight bytes qforge's decode streams per second beside the machine's
# measured read bandwidth.
#
#   LLAMA_BIN=/path/to/llama.cpp/build/bin [IK_BIN=/path/to/ik_llama.cpp/build/bin] \
#     scripts/bench_vs_llamacpp.sh [--shape tinyllama|wide-1b|llama-8b] [--layers N] [--types "F16 BF16 Q8_0 ..."]
#                                  [--threads N] [--rounds N] [--prompts "256 512"] [--gen 64] [--reps 3]
#                                  [--dir DIR]
#
# --layers keeps the shape's layer dimensions with fewer layers (an 8B shape's prefill per layer on a disk and
# memory that cannot hold eight 8B files); --gen 0 measures prefill only. --files "A.gguf B.gguf" measures
# those files instead of synthetic ones (e.g. the fixture models, where overheads decide decode).
#
# The reference engines are built from source outside this repository (cmake -DGGML_NATIVE=ON
# -DLLAMA_CURL=OFF, targets llama-bench and llama-quantize); nothing here needs them otherwise. Models and raw
# results stay in DIR (default /tmp/qforge-bench); files already there are reused.
set -euo pipefail
cd "$(dirname "$0")/.."

shape=tinyllama
layers=""
files=""
types="F16 BF16 Q8_0 Q4_0 Q4_K_M Q5_K_M Q6_K IQ4_XS"
threads=$(nproc)
rounds=2
prompts="256 512"
gen=64
reps=3
dir=/tmp/qforge-bench
while [ $# -gt 0 ]; do
  case "$1" in
    --shape) shape=$2; shift 2 ;;
    --layers) layers=$2; shift 2 ;;
    --files) files=$2; shift 2 ;;
    --types) types=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --prompts) prompts=$2; shift 2 ;;
    --gen) gen=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "bench_vs_llamacpp: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ -z "${LLAMA_BIN:-}" ] || [ ! -x "$LLAMA_BIN/llama-bench" ] || [ ! -x "$LLAMA_BIN/llama-quantize" ]; then
  echo "bench_vs_llamacpp: set LLAMA_BIN to a llama.cpp build's bin folder (llama-bench, llama-quantize)" >&2
  exit 2
fi
if [ -n "${IK_BIN:-}" ] && [ ! -x "$IK_BIN/llama-bench" ]; then
  echo "bench_vs_llamacpp: IK_BIN has no llama-bench" >&2
  exit 2
fi
if [ ! -x build/bin/qforge ] || [ ! -x build/bin/make_synthetic_model ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build build -j "$(nproc)" --target qforge_cli make_synthetic_model
fi

mkdir -p "$dir"
declare -A path_of
if [ -n "$files" ]; then
  name=files
  types=""
  for f in $files; do
    t=$(basename "$f" .gguf)
    path_of[$t]=$f
    types="$types $t"
  done
else
  name=$shape
  layer_args=()
  if [ -n "$layers" ]; then
    name="$shape-L$layers"
    layer_args=(--n-layer "$layers")
  fi
  base="$dir/$name-f16.gguf"
  [ -f "$base" ] || build/bin/make_synthetic_model "$base" --shape "$shape" "${layer_args[@]}" --type f16
  for t in $types; do
    f="$dir/$name-$(echo "$t" | tr 'A-Z' 'a-z').gguf"
    path_of[$t]=$f
    [ "$t" = F16 ] && continue
    [ -f "$f" ] || "$LLAMA_BIN/llama-quantize" "$base" "$f" "$t" "$threads" > "$f.quantize.log" 2>&1
  done
fi

run="$dir/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run"
plist=$(echo "$prompts" | tr ' ' ',')
echo "== measuring read bandwidth"
build/bin/qforge advise --params 1B --device cpu --json > "$run/advise.json"
for round in $(seq 1 "$rounds"); do
  for t in $types; do
    f=${path_of[$t]}
    echo "== round $round: $t"
    "$LLAMA_BIN/llama-bench" -m "$f" -p "$plist" -n "$gen" -r "$reps" -t "$threads" -o json > "$run/llama-$t-$round.json" 2> /dev/null
    if [ -n "${IK_BIN:-}" ]; then
      "$IK_BIN/llama-bench" -m "$f" -p "$plist" -n "$gen" -r "$reps" -t "$threads" -o json > "$run/ik-$t-$round.json" 2> /dev/null
    fi
    first=1
    for p in $prompts; do
      n=0
      [ $first = 1 ] && n=$gen
      first=0
      build/bin/qforge bench -m "$f" -p "$p" -n "$n" -r "$reps" -t "$threads" --json > "$run/qforge-$t-$round-p$p.json"
    done
  done
done

commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src apps || echo "+changes")
ik_commit=""
[ -n "${IK_BIN:-}" ] && ik_commit=$(cd "$IK_BIN" && git rev-parse --short HEAD 2> /dev/null || true)
llama_commit=$(cd "$LLAMA_BIN" && git rev-parse --short HEAD 2> /dev/null || true)
/usr/bin/python3 - "$run" "$name" "$types" "$prompts" "$gen" "$threads" "$rounds" "$commit" "$llama_commit" "$ik_commit" << 'EOF'
import json, os, statistics, sys
run, shape, types, prompts, gen, threads, rounds, commit, llama_commit, ik_commit = sys.argv[1:]
types, prompts, gen, rounds = types.split(), [int(p) for p in prompts.split()], int(gen), int(rounds)

def llama_rows(engine, t):
    out = {}
    for r in range(1, rounds + 1):
        path = f"{run}/{engine}-{t}-{r}.json"
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            continue
        for j in json.load(open(path)):
            key = f"pp{j['n_prompt']}" if j["n_gen"] == 0 else f"tg{j['n_gen']}"
            out.setdefault(key, []).append(j["avg_ts"])
    return {k: statistics.median(v) for k, v in out.items()}

def qforge_rows(t):
    out, gbs, paths = {}, [], set()
    for r in range(1, rounds + 1):
        for p in prompts:
            path = f"{run}/qforge-{t}-{r}-p{p}.json"
            if not os.path.exists(path):
                continue
            j = json.load(open(path))
            out.setdefault(f"pp{p}", []).append(j["pp_tps"])
            if j["n_gen"] > 0:
                out.setdefault(f"tg{j['n_gen']}", []).append(j["tg_tps"])
                gbs.append(j["tg_gb_per_s"])
            paths.update(j["kernel_paths"])
    return {k: statistics.median(v) for k, v in out.items()}, (statistics.median(gbs) if gbs else 0), sorted(paths)

bw = json.load(open(f"{run}/advise.json")).get("bandwidth_gbs", 0)
tests = [f"pp{p}" for p in prompts] + ([f"tg{gen}"] if gen > 0 else [])
engines = ["ik"] if ik_commit or any(os.path.exists(f"{run}/ik-{t}-1.json") for t in types) else []
engines.append("llama")
names = {"ik": f"ik_llama.cpp ({ik_commit})" if ik_commit else "ik_llama.cpp", "llama": f"llama.cpp ({llama_commit})" if llama_commit else "llama.cpp"}
print(f"\nshape {shape}, {threads} threads, median of {rounds} rounds, qforge {commit}; machine read bandwidth {bw:.1f} GB/s\n")
head = "| file | " + " | ".join(f"{names[e]} {'/'.join(tests)}" for e in engines) + f" | qforge {'/'.join(tests)} | qforge / best | decode GB/s |"
print(head)
print("|" + "---|" * (head.count("|") - 1))
layouts = {}
for t in types:
    refs = {e: llama_rows(e, t) for e in engines}
    q, gbs, paths = qforge_rows(t)
    for p in paths:
        layouts[p] = True
    cells = []
    for e in engines:
        cells.append(" / ".join(f"{refs[e].get(k, 0):.1f}" for k in tests))
    qcell = " / ".join(f"{q.get(k, 0):.1f}" for k in tests)
    ratios = []
    for k in tests:
        best = max((refs[e].get(k, 0) for e in engines), default=0)
        ratios.append(f"{q.get(k, 0) / best:.2f}" if best > 0 else "-")
    print(f"| {t} | " + " | ".join(cells) + f" | {qcell} | {' / '.join(ratios)} | {gbs:.1f} |")
print("\nqforge kernels: " + "; ".join(sorted(layouts)))
EOF
echo "raw results: $run"
