#!/usr/bin/env bash
# An interrupted convert (SIGINT, then SIGKILL) leaves no file at OUT and no temporary beside it.
# The input is a large sparse llama2.c checkpoint (zeros cost no disk), so the conversion is still running
# when the signal arrives.
set -u
set -m  # job control: background jobs keep default signal handling (non-interactive bash ignores SIGINT for them)
bin=$1 work=$2/interrupted_convert
rm -rf "$work" && mkdir -p "$work"

le32() { printf "\\x$(printf %02x $(($1 & 255)))\\x$(printf %02x $((($1 >> 8) & 255)))\\x$(printf %02x $((($1 >> 16) & 255)))\\x$(printf %02x $((($1 >> 24) & 255)))"; }
dim=2048 hidden=8192 layers=8 heads=16 kv=16 vocab=32 seq=16
{ for v in $dim $hidden $layers $heads $kv $vocab $seq; do le32 "$v"; done; } > "$work/model.bin"
floats=$((vocab*dim + layers*dim + layers*dim*dim*4 + layers*dim + layers*hidden*dim*3 + dim + seq*(dim/heads)))
truncate -s $((28 + floats * 4)) "$work/model.bin"
{ le32 8; for i in $(seq 0 $((vocab - 1))); do le32 0; le32 2; printf 't%x' $((i % 16)); done; } > "$work/tok32.bin"

for sig in INT KILL; do
  "$bin" convert -q "$work/model.bin" "$work/out.gguf" --outtype f16 &
  pid=$!
  sleep 0.4
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: convert finished before SIG$sig arrived; enlarge the model"; exit 1
  fi
  kill -s "$sig" "$pid"
  wait "$pid"
  rc=$?
  if [ "$rc" -lt 128 ]; then echo "FAIL: convert exited $rc instead of dying of SIG$sig"; exit 1; fi
  left=$(ls -A "$work" | grep -v -e '^model.bin$' -e '^tok32.bin$' || true)
  if [ -n "$left" ]; then echo "FAIL: after SIG$sig these remain: $left"; exit 1; fi
  echo "SIG$sig: no output left behind"
done
rm -rf "$work"
