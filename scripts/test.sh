#!/usr/bin/env bash
# Builds and runs the whole test suite: Release build + ctest (GCC), then the same suite under ASan+UBSan and a
# short libFuzzer run of every reader (one clang build). Needs ../shared beside the checkout (or QFORGE_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)

echo "== Release build and tests"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build -j "$jobs"
(cd build && ctest --output-on-failure -j "$jobs")

# One sanitizer build serves the test suite and the fuzzers: clang with AddressSanitizer and UndefinedBehaviorSanitizer
# (and libFuzzer's coverage instrumentation in the readers), -O2 with line tables only: what the sanitizers' reports
# need (GCC at -O2 -g took three times as long to compile). The benchmarks are not built there.
echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (clang, with the libFuzzer targets)"
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" -DQFORGE_SANITIZE=ON -DQFORGE_FUZZ=ON \
  -DQFORGE_FUZZ_SECONDS=10 -DQFORGE_BENCH=OFF > /dev/null
cmake --build build-asan -j "$jobs"
# The full-text perplexity figures (minutes of arithmetic) run in the Release build only; the sanitizer build
# still runs the engine through every other test, then a short libFuzzer run of every reader (fuzz.run_*).
echo "== tests and fuzzing under the sanitizers"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --output-on-failure -j "$jobs" -E 'Figure')
