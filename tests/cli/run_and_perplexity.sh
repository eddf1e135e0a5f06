#!/usr/bin/env bash
# qforge run and qforge perplexity from the command line: llama.cpp's output lines, and clear refusals.
set -eu
bin=$1 shared=$2
fx=$shared/fixtures
[ -d "$fx" ] || { echo "FAIL: fixtures not found at $fx"; exit 1; }
out=$("$bin" run -m "$fx/gguf/stories260K-f32.gguf" -p "Once upon a time" -n 11 --temp 0 2>"$3/run.err")
[ "$out" = "Once upon a time, there was a little girl named Lily." ] || { echo "FAIL: run printed: $out"; exit 1; }
grep -q "tokens per second" "$3/run.err" || { echo "FAIL: no timings on stderr"; exit 1; }
# sampled runs are reproducible for a seed
a=$("$bin" run -m "$fx/gguf/stories260K-f32.gguf" -p "Once" -n 20 --temp 0.9 --seed 42 2>/dev/null)
b=$("$bin" run -m "$fx/gguf/stories260K-f32.gguf" -p "Once" -n 20 --temp 0.9 --seed 42 2>/dev/null)
[ "$a" = "$b" ] || { echo "FAIL: same seed, different text"; exit 1; }

ppl=$("$bin" perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$fx/text/tinystories-sample.txt" -c 128 --chunks 3 2>/dev/null)
grep -Eq '^\[1\][0-9.]+,\[2\][0-9.]+,\[3\][0-9.]+,$' <<<"$(head -1 <<<"$ppl")" || { echo "FAIL: running values: $ppl"; exit 1; }
grep -Eq '^Final estimate: PPL = [0-9]+\.[0-9]{4} \+/- [0-9]+\.[0-9]{5}$' <<<"$ppl" || { echo "FAIL: final line: $ppl"; exit 1; }

# KL-divergence: save base log-probabilities, then compare; llama.cpp's labels
"$bin" perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$fx/text/tinystories-sample.txt" -c 128 --chunks 3 \
  --kl-divergence-base "$3/base.kld" >/dev/null 2>&1
kld=$("$bin" perplexity -m "$fx/gguf/stories260K-f32.gguf" --kl-divergence --kl-divergence-base "$3/base.kld" 2>/dev/null)
for label in "Mean PPL(Q)                   :" "Mean    KLD:" "Maximum KLD:" "Same top p:" "RMS Δp    :"; do
  grep -qF "$label" <<<"$kld" || { echo "FAIL: no '$label' in KL-divergence output"; exit 1; }
done
rm -f "$3/base.kld"

refuse() {  # a command that must fail with one error line and exit 1
  set +e; err=$("$bin" "$@" 2>&1 >/dev/null); rc=$?; set -e
  if [ "$rc" -ne 1 ] || [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then echo "FAIL ($rc): $* -> $err"; exit 1; fi
}
refuse run -m "$fx/gguf/stories260K-f32.gguf" -p ""
refuse run -m "$fx/vocab/ggml-vocab-llama-spm.gguf" -p "x"
printf 'short text' > "$3/short.txt"
refuse perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$3/short.txt" -c 128
refuse perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$3/missing.txt"
refuse perplexity -m "$fx/gguf/stories260K-f32.gguf" --kl-divergence
refuse perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$fx/text/tinystories-sample.txt" -c 256
refuse run -m "$fx/gguf/stories260K-f32.gguf" -p "Once" -c 256
# -b splits chunks into several passes with the same result
a=$("$bin" perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$fx/text/tinystories-sample.txt" -c 128 --chunks 2 2>/dev/null | tail -1)
b=$("$bin" perplexity -m "$fx/gguf/stories260K-f32.gguf" -f "$fx/text/tinystories-sample.txt" -c 128 --chunks 2 -b 50 2>/dev/null | tail -1)
[ "$a" = "$b" ] || { echo "FAIL: -b changed the result: $a vs $b"; exit 1; }
refuse perplexity -m "$fx/gguf/stories260K-f32.gguf" --kl-divergence --kl-divergence-base "$3/missing.kld"
echo "run and perplexity: ok"
