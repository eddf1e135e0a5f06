// Load generator for OpenAI-compatible servers (qforge serve, llama-server): C concurrent clients, each
// streaming R completions of a fixed prompt with max_tokens N and ignore_eos, temperature 0. Prints aggregate
// decode tokens/s (completion tokens over the wall time), time to first token and inter-token latency
// (p50, p99), as one JSON line.
//   node bench/serve_load.mjs --url http://127.0.0.1:8080 --clients 8 --requests 4 --max-tokens 64 [--prompt-tokens 32]
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: {
  url: { type: 'string' }, clients: { type: 'string', default: '1' }, requests: { type: 'string', default: '4' },
  'max-tokens': { type: 'string', default: '64' }, 'prompt-words': { type: 'string', default: '24' }, label: { type: 'string', default: '' },
} });
const clients = Number(a.clients), requests = Number(a.requests), maxTokens = Number(a['max-tokens']);
const words = ['the', 'data', 'function', 'returns', 'a', 'list', 'of', 'values', 'from', 'module', 'with', 'class'];

const ttft = [], itl = [];
let tokens = 0;
async function one(client, i) {
  // distinct prompts: no prefix reuse between clients
  const prompt = Array.from({ length: Number(a['prompt-words']) }, (_, k) => words[(k * 7 + client * 3 + i) % words.length]).join(' ') + ` ${client}-${i}`;
  const t0 = performance.now();
  const r = await fetch(a.url + '/v1/completions', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt, max_tokens: maxTokens, temperature: 0, ignore_eos: true, stream: true }) });
  if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
  const reader = r.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '', last = null, n = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const ev = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (!ev.startsWith('data: ') || ev === 'data: [DONE]') continue;
      const j = JSON.parse(ev.slice(6));
      const text = j.choices?.[0]?.text ?? j.content;
      if (!text) continue;
      const now = performance.now();
      if (last === null) ttft.push(now - t0); else itl.push(now - last);
      last = now;
      ++n;
    }
  }
  tokens += maxTokens;  // ignore_eos: every request generates max_tokens (chunks may merge tokens)
}
const pct = (v, p) => { const s = [...v].sort((x, y) => x - y); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const start = performance.now();
await Promise.all(Array.from({ length: clients }, async (_, c) => { for (let i = 0; i < requests; ++i) await one(c, i); }));
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ label: a.label, clients, requests: clients * requests, max_tokens: maxTokens, seconds: +seconds.toFixed(2),
  tokens_per_second: +(tokens / seconds).toFixed(1), ttft_ms_p50: +pct(ttft, 0.5).toFixed(1), ttft_ms_p99: +pct(ttft, 0.99).toFixed(1),
  itl_ms_p50: +pct(itl, 0.5).toFixed(2), itl_ms_p99: +pct(itl, 0.99).toFixed(2) }));
