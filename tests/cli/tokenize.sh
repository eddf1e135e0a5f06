#!/usr/bin/env bash
# qforge tokenize prints llama-tokenize's lines and fails cleanly without text.
set -eu
bin=$1 shared=$2
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
out=$("$bin" tokenize -m "$fx/gguf/pydoc6m-f32.gguf" -p "The dictionary")
expected=$(printf "     1 -> '<s>'\n   451 -> ' The'\n  1199 -> ' dictionary'")
[ "$out" = "$expected" ] || { echo "FAIL: unexpected output:"; echo "$out"; exit 1; }
[ "$("$bin" tokenize -m "$fx/vocab/ggml-vocab-gpt-2.gguf" -p "Hello world<|endoftext|>" --ids)" = "[15496, 995, 50256]" ]
if "$bin" tokenize -m "$fx/gguf/pydoc6m-f32.gguf" 2>/dev/null; then echo "FAIL: no text accepted"; exit 1; fi
if "$bin" tokenize -m "$fx/models/pydoc6m/config.json" -p x 2>/dev/null; then echo "FAIL: non-GGUF accepted"; exit 1; fi
echo "tokenize: ok"
