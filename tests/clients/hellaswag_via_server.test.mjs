// lm-evaluation-harness's way of scoring log-likelihood tasks through a server (its `local-completions`
// model): each choice sent as prompt tokens with echo, max_tokens 0 and logprobs, the choice's tokens'
// log-probabilities summed. On the fixture's first 1000 HellaSwag tasks with pydoc6m this must give the
// acc_norm `qforge eval` gives (28.50, llama.cpp's figure): the same tokens (context + " " + choice, BOS first),
// the mean log-probability per choice token after the tokens all choices share. Env: QFORGE_BIN, QFORGE_SHARED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer } from './serve_harness.mjs';

const qforge = process.env.QFORGE_BIN;
const shared = process.env.QFORGE_SHARED;

function parseHellaswag(text) {
  const lines = text.split('\n');
  const tasks = [];
  for (let i = 0; i + 6 <= lines.length; i += 6)
    tasks.push({ context: lines[i], label: Number(lines[i + 1]), choices: lines.slice(i + 2, i + 6) });
  return tasks;
}

test('HellaSwag through /v1/completions with echo and logprobs gives qforge eval\'s acc_norm', { timeout: 600000 }, async () => {
  const tasks = parseHellaswag(readFileSync(`${shared}/fixtures/text/hellaswag_val_1000.txt`, 'utf8'));
  assert.equal(tasks.length, 1000);
  const s = await startServer(qforge, ['-m', `${shared}/fixtures/gguf/pydoc6m-f32.gguf`, '--parallel', '8', '-c', '4096', '-t', '2']);
  try {
    const post = async (path, body) => {
      const r = await fetch(s.base + path, { method: 'POST', body: JSON.stringify(body) });
      const j = await r.json();
      assert.equal(r.status, 200, JSON.stringify(j));
      return j;
    };
    let hits = 0, hitsNorm = 0, next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= tasks.length) return;
        const t = tasks[i];
        const seqs = [];
        for (const c of t.choices)
          seqs.push((await post('/tokenize', { content: `${t.context} ${c}`, add_special: true, parse_special: false })).tokens);
        let common = 0;
        const shortest = Math.min(...seqs.map((q) => q.length));
        while (common < shortest - 1 && seqs.every((q) => q[common] === seqs[0][common])) ++common;
        const r = await post('/v1/completions', { prompt: seqs, max_tokens: 0, echo: true, logprobs: 1, temperature: 0 });
        const sums = [], means = [];
        for (const choice of r.choices.sort((a, b) => a.index - b.index)) {
          const lps = choice.logprobs.token_logprobs;
          let sum = 0;
          for (let k = common; k < lps.length; ++k) sum += lps[k];
          sums.push(sum);
          means.push(sum / (lps.length - common));
        }
        const best = (v) => v.indexOf(Math.max(...v));
        hits += best(sums) === t.label ? 1 : 0;
        hitsNorm += best(means) === t.label ? 1 : 0;
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const accNorm = (100 * hitsNorm) / tasks.length, acc = (100 * hits) / tasks.length;
    console.log(`hellaswag via /v1/completions: acc_norm = ${accNorm.toFixed(2)}, acc = ${acc.toFixed(2)} (1000 tasks; qforge eval: 28.50, 28.20)`);
    assert.ok(Math.abs(accNorm - 28.5) < 0.15, `acc_norm ${accNorm}`);
    assert.ok(Math.abs(acc - 28.2) < 0.15, `acc ${acc}`);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
});
