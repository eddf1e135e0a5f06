#!/usr/bin/env bash
# Builds and runs the whole test suite: Release build + ctest, the same suite under ASan+UBSan, and a short
# libFuzzer run of every reader (clang). Needs ../shared beside the checkout (or QFORGE_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build and tests"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQFORGE_SANITIZE=ON > /dev/null
cmake --build build-asan -j "$jobs"
# The full-text perplexity figures (minutes of arithmetic) run in the Release build only; the sanitizer build
# still runs the engine through every other test.
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -E 'Figure')

echo "== libFuzzer smoke run of every reader (clang)"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQFORGE_SANITIZE=ON \
  -DQFORGE_FUZZ=ON -DQFORGE_FUZZ_SECONDS=10 > /dev/null
cmake --build build-fuzz -j "$jobs" --target make_corpus fuzz_gguf fuzz_safetensors fuzz_llama2c \
  fuzz_hf_checkpoint fuzz_tokenizer_json fuzz_imatrix fuzz_quantized_checkpoint fuzz_chat_template \
  fuzz_openai_request
(cd build-fuzz && ctest --output-on-failure -j "$jobs" -R '^(corpus\.generate|fuzz\.run_)')
