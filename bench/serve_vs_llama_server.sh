#!/usr/bin/env bash
# Aggregate decode throughput and latency of `qforge serve` and llama-server on the same GGUF, same slots and
# threads, for 1, 4, 8 and 16 concurrent streaming clients, in one run (figures from different runs on a
# shared machine are noise). llama-server is built from source outside the repository; without it, qforge alone.
#   bench/serve_vs_llama_server.sh MODEL.gguf [--parallel 8] [--threads 2] [--max-tokens 64] [--requests 2]
#       [--clients "1 4 8 16"] [--llama-server PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; shift
parallel=8; threads=2; max_tokens=64; requests=2; clients="1 4 8 16"; llama_server=${LLAMA_SERVER:-}
while [ $# -gt 0 ]; do
  case $1 in
    --parallel) parallel=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --max-tokens) max_tokens=$2; shift 2 ;;
    --requests) requests=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --llama-server) llama_server=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
ctx=$((parallel * 512))
qforge=${QFORGE:-build/bin/qforge}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_ready() {  # url
  for _ in $(seq 1 600); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/health")" = 200 ]; then return 0; fi
    sleep 0.1
  done
  echo "server at $1 did not become ready" >&2; return 1
}

"$qforge" serve -m "$model" --port 18080 --parallel "$parallel" -c "$ctx" -t "$threads" 2>/tmp/qforge-serve-bench.log &
pids+=($!)
wait_ready http://127.0.0.1:18080
urls=("qforge=http://127.0.0.1:18080")
if [ -n "$llama_server" ]; then
  "$llama_server" -m "$model" --port 18081 -np "$parallel" -c "$ctx" -t "$threads" -tb "$threads" --threads-http 64 --no-webui 2>/tmp/llama-server-bench.log >/dev/null &
  pids+=($!)
  wait_ready http://127.0.0.1:18081
  urls+=("llama-server=http://127.0.0.1:18081")
fi
echo "model: $model  slots: $parallel  threads: $threads  max_tokens: $max_tokens  requests per client: $requests"
for c in $clients; do
  for u in "${urls[@]}"; do
    # warm-up, then the measured run; the servers take turns, one at a time
    node bench/serve_load.mjs --url "${u#*=}" --clients "$c" --requests 1 --max-tokens 8 > /dev/null
    node bench/serve_load.mjs --url "${u#*=}" --clients "$c" --requests "$requests" --max-tokens "$max_tokens" --label "${u%%=*}"
  done
done
