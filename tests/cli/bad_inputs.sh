#!/usr/bin/env bash
# Every crafted bad file: `qforge inspect` exits 1 with exactly one line on stderr that names the file,
# and never crashes (a signal gives an exit code above 128).
set -u
bin=$1 corpus=$2
failures=0 checked=0
for f in "$corpus"/{gguf,safetensors,llama2c}/*; do
  case "$(basename "$f")" in ok-*) continue ;; esac
  err=$("$bin" inspect "$f" 2>&1 >/dev/null)
  rc=$?
  checked=$((checked + 1))
  lines=$(printf '%s\n' "$err" | wc -l)
  if [ "$rc" -ne 1 ]; then
    echo "FAIL $f: exit code $rc (expected 1): $err"; failures=$((failures + 1))
  elif [ "$lines" -ne 1 ]; then
    echo "FAIL $f: $lines lines on stderr (expected 1): $err"; failures=$((failures + 1))
  elif [[ "$err" != *"$f"* ]]; then
    echo "FAIL $f: error does not name the file: $err"; failures=$((failures + 1))
  fi
done
[ "$checked" -gt 20 ] || { echo "FAIL: only $checked corpus files found in $corpus"; exit 1; }
echo "$checked bad inputs checked, $failures failed"
[ "$failures" -eq 0 ]
