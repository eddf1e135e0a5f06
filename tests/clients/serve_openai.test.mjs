// `qforge serve` through the official `openai` npm client (and plain fetch where the client hides the wire):
// completions and chat, streamed and not, logprobs, echo, stop sequences, errors in OpenAI's shape, the
// auxiliary endpoints, batch invariance through HTTP, disconnects and SIGTERM. Greedy output equals
// `qforge run` for the fixture models. Env: QFORGE_BIN, QFORGE_SHARED.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import OpenAI from 'openai';
import { startServer, readEvents } from './serve_harness.mjs';

const qforge = process.env.QFORGE_BIN;
const shared = process.env.QFORGE_SHARED;
if (!qforge || !shared) throw new Error('set QFORGE_BIN and QFORGE_SHARED');
const gguf = (name) => `${shared}/fixtures/gguf/${name}`;
const PROMPT = 'def parse_args(argv):\n    ';

function runGreedy(model, prompt, n) {
  const out = execFileSync(qforge, ['run', '-m', model, '-p', prompt, '-n', String(n), '--temp', '0', '-t', '2'],
                           { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.ok(out.startsWith(prompt));
  return out.slice(prompt.length, out.length - 1);  // run ends with a newline
}

let server, client;
before(async () => {
  server = await startServer(qforge, ['-m', gguf('pydoc6m-q4_k_m.gguf'), '--parallel', '4', '-c', '2048', '-t', '2', '--max-body', '65536']);
  client = new OpenAI({ baseURL: server.base + '/v1', apiKey: 'unused', maxRetries: 0 });
});
after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, 'SIGTERM exits 0');
});

for (const name of ['pydoc6m-f32.gguf', 'pydoc6m-q4_k_m.gguf', 'stories260K-f32.gguf']) {
  test(`greedy completions equal qforge run on ${name}`, async () => {
    const prompt = name.startsWith('stories') ? 'Once upon a time' : PROMPT;
    const want = runGreedy(gguf(name), prompt, 24);
    const s = name === 'pydoc6m-q4_k_m.gguf' ? server : await startServer(qforge, ['-m', gguf(name), '-c', '1024', '-t', '2']);
    try {
      const c = new OpenAI({ baseURL: s.base + '/v1', apiKey: 'x', maxRetries: 0 });
      const r = await c.completions.create({ model: 'm', prompt, max_tokens: 24, temperature: 0 });
      assert.equal(r.object, 'text_completion');
      assert.equal(r.choices[0].text, want);
      assert.ok(['length', 'stop'].includes(r.choices[0].finish_reason));
      assert.ok(r.usage.completion_tokens <= 24 && r.usage.prompt_tokens > 0);
      const stream = await c.completions.create({ model: 'm', prompt, max_tokens: 24, temperature: 0, stream: true });
      let text = '', finish = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(text, want);
      assert.equal(finish, r.choices[0].finish_reason);
    } finally {
      if (s !== server) assert.equal((await s.stop()).code, 0);
    }
  });
}

test('chat completions, streamed and not, agree', async () => {
  const messages = [{ role: 'system', content: 'You write Python.' }, { role: 'user', content: 'Parse the arguments.' }];
  const r = await client.chat.completions.create({ model: 'm', messages, max_tokens: 20, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  const stream = await client.chat.completions.create({ model: 'm', messages, max_tokens: 20, temperature: 0, stream: true,
                                                        stream_options: { include_usage: true } });
  let text = '', role = null, usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) usage = chunk.usage;
    const d = chunk.choices[0]?.delta;
    if (d?.role) role = d.role;
    text += d?.content ?? '';
  }
  assert.equal(role, 'assistant');
  assert.equal(text, r.choices[0].message.content);
  assert.deepEqual(usage.completion_tokens, r.usage.completion_tokens);
  assert.deepEqual(usage.prompt_tokens, r.usage.prompt_tokens);
});

test('logprobs: completions top-N and chat top_logprobs', async () => {
  const r = await client.completions.create({ model: 'm', prompt: PROMPT, max_tokens: 8, temperature: 0, logprobs: 2 });
  const lp = r.choices[0].logprobs;
  assert.equal(lp.tokens.length, r.usage.completion_tokens);
  assert.equal(lp.token_logprobs.length, lp.tokens.length);
  for (let i = 0; i < lp.tokens.length; ++i) {
    assert.ok(lp.token_logprobs[i] <= 0);
    const top = Object.values(lp.top_logprobs[i]);
    assert.ok(top.length >= 1 && top.length <= 2);
    // greedy: the chosen token is the most likely one
    assert.ok(Math.abs(Math.max(...top) - lp.token_logprobs[i]) < 1e-6);
  }
  assert.equal(lp.text_offset[0], 0);
  const c = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 6,
                                                   temperature: 0, logprobs: true, top_logprobs: 3 });
  const content = c.choices[0].logprobs.content;
  assert.equal(content.length, c.usage.completion_tokens);
  for (const t of content) {
    assert.equal(t.top_logprobs.length, 3);
    assert.ok(t.logprob <= 0);
    assert.ok(Array.isArray(t.bytes) && t.bytes.length > 0);
  }
});

test('echo with max_tokens 0 scores every prompt token', async () => {
  const tok = await (await fetch(server.base + '/tokenize', { method: 'POST', body: JSON.stringify({ content: PROMPT, add_special: true }) })).json();
  const r = await client.completions.create({ model: 'm', prompt: tok.tokens, max_tokens: 0, echo: true, logprobs: 1, temperature: 0 });
  const lp = r.choices[0].logprobs;
  assert.equal(lp.tokens.length, tok.tokens.length);
  assert.equal(lp.token_logprobs[0], null);
  for (const v of lp.token_logprobs.slice(1)) assert.ok(typeof v === 'number' && v <= 0);
  assert.equal(r.usage.completion_tokens, 0);
  assert.equal(r.choices[0].finish_reason, 'length');
  // a list of prompts: one choice each, in order
  const two = await client.completions.create({ model: 'm', prompt: [tok.tokens, tok.tokens.slice(0, 3)], max_tokens: 0, echo: true,
                                               logprobs: 0, temperature: 0 });
  assert.deepEqual(two.choices.map((c) => c.index), [0, 1]);
  assert.deepEqual(two.choices[0].logprobs.token_logprobs, lp.token_logprobs);
  assert.equal(two.choices[1].logprobs.tokens.length, 3);
});

test('stop sequences end the text before them', async () => {
  const full = (await client.completions.create({ model: 'm', prompt: PROMPT, max_tokens: 32, temperature: 0 })).choices[0].text;
  assert.ok(full.length > 12, 'need some text: ' + JSON.stringify(full));
  const stop = full.slice(6, 9);
  const cut = full.indexOf(stop);
  const r = await client.completions.create({ model: 'm', prompt: PROMPT, max_tokens: 32, temperature: 0, stop: [stop, 'NEVER-SEEN'] });
  assert.equal(r.choices[0].text, full.slice(0, cut));
  assert.equal(r.choices[0].finish_reason, 'stop');
  const s = await client.completions.create({ model: 'm', prompt: PROMPT, max_tokens: 32, temperature: 0, stop, stream: true });
  let text = '';
  for await (const chunk of s) text += chunk.choices[0]?.text ?? '';
  assert.equal(text, full.slice(0, cut));
});

test('errors come in OpenAI shape with the right status', async () => {
  const expectError = async (promise, status, param) => {
    try {
      await promise;
    } catch (e) {
      assert.equal(e.status, status, String(e));
      if (param) assert.equal(e.param ?? e.error?.param, param);
      return e;
    }
    assert.fail('no error');
  };
  await expectError(client.completions.create({ model: 'm', prompt: 'x', temperature: 5 }), 400, 'temperature');
  await expectError(client.completions.create({ model: 'm', prompt: 'x', max_tokens: 'ten' }), 400, 'max_tokens');
  await expectError(client.completions.create({ model: 'm', prompt: { a: 1 } }), 400, 'prompt');
  await expectError(client.completions.create({ model: 'm', prompt: [1, 2, 999999] }), 400, 'prompt');
  await expectError(client.completions.create({ model: 'm', prompt: new Array(600).fill(5), max_tokens: 1 }), 400, 'prompt');
  await expectError(client.chat.completions.create({ model: 'm', messages: [] }), 400, 'messages');
  await expectError(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 3 }] }), 400);
  const raw = async (path, body, headers = {}) => {
    const r = await fetch(server.base + path, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } });
    const j = await r.json();
    assert.equal(typeof j.error.message, 'string');
    assert.equal(typeof j.error.type, 'string');
    assert.equal(j.error.code, r.status);
    return r.status;
  };
  assert.equal(await raw('/v1/completions', '{"prompt": "x", '), 400);
  assert.equal(await raw('/v1/completions', Buffer.from([0x7b, 0x22, 0x70, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400);
  assert.equal(await raw('/v1/completions', '[1, 2]'), 400);
  assert.equal(await raw('/v1/nothing-here', '{}'), 404);
  assert.equal(await raw('/v1/completions', JSON.stringify({ prompt: 'x'.repeat(100000) })), 413);
});

test('health, models, metrics, tokenize and detokenize', async () => {
  assert.deepEqual(await (await fetch(server.base + '/health')).json(), { status: 'ok' });
  const models = await client.models.list();
  assert.equal(models.data[0].id, 'pydoc6m-q4_k_m.gguf');
  const t = await (await fetch(server.base + '/tokenize', { method: 'POST', body: JSON.stringify({ content: 'import os', with_pieces: true }) })).json();
  assert.ok(t.tokens.length >= 2 && typeof t.tokens[0].piece === 'string');
  const d = await (await fetch(server.base + '/detokenize', { method: 'POST', body: JSON.stringify({ tokens: t.tokens.map((x) => x.id) }) })).json();
  assert.equal(d.content.trim(), 'import os');
  const m = await (await fetch(server.base + '/metrics')).text();
  for (const name of ['qforge_requests_total', 'qforge_tokens_predicted_total', 'qforge_requests_deferred', 'qforge_kv_blocks_in_use',
                      'qforge_kv_blocks_total', 'qforge_decode_tokens_per_second'])
    assert.match(m, new RegExp(`^${name} [0-9.e+-]+$`, 'm'));
});

test('sixteen concurrent greedy requests give what each gives alone', async () => {
  const prompts = Array.from({ length: 16 }, (_, i) => ['import ', 'class A', 'def f(x', '# ', 'for k in', 'with open'][i % 6] + ' '.repeat(i >> 2));
  const one = (p) => client.completions.create({ model: 'm', prompt: p, max_tokens: 16, temperature: 0, logprobs: 0 });
  const alone = [];
  for (const p of prompts) alone.push(await one(p));
  const together = await Promise.all(prompts.map(one));
  for (let i = 0; i < prompts.length; ++i) {
    assert.equal(together[i].choices[0].text, alone[i].choices[0].text, `prompt ${i}`);
    assert.deepEqual(together[i].choices[0].logprobs.token_logprobs, alone[i].choices[0].logprobs.token_logprobs, `prompt ${i}`);
  }
});

test('a client that disconnects mid-stream frees its slot', async () => {
  const ac = new AbortController();
  const r = await fetch(server.base + '/v1/completions', {
    method: 'POST', signal: ac.signal,
    body: JSON.stringify({ prompt: PROMPT, max_tokens: 100000, temperature: 0.8, ignore_eos: true, stream: true }),
  });
  const reader = r.body.getReader();
  await reader.read();
  ac.abort();
  const deadline = Date.now() + 5000;
  for (;;) {
    const m = await (await fetch(server.base + '/metrics')).text();
    if (/^qforge_requests_processing 0$/m.test(m)) break;
    assert.ok(Date.now() < deadline, 'the slot was not freed:\n' + m);
    await new Promise((res) => setTimeout(res, 20));
  }
});

test('an API key is required when set', async () => {
  const s = await startServer(qforge, ['-m', gguf('stories260K-f32.gguf'), '--api-key', 'sekret', '-t', '1']);
  try {
    const bad = new OpenAI({ baseURL: s.base + '/v1', apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(bad.models.list(), (e) => e.status === 401);
    const none = await fetch(s.base + '/v1/models');
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error.type, 'authentication_error');
    assert.equal((await fetch(s.base + '/health')).status, 200);
    const good = new OpenAI({ baseURL: s.base + '/v1', apiKey: 'sekret', maxRetries: 0 });
    const r = await good.completions.create({ model: 'm', prompt: 'Once', max_tokens: 4 });
    assert.equal(r.choices.length, 1);
  } finally {
    assert.equal((await s.stop()).code, 0);
  }
});

test('SIGTERM lets a running stream finish, then exits 0', async () => {
  const s = await startServer(qforge, ['-m', gguf('stories260K-f32.gguf'), '-t', '1']);
  const r = await fetch(s.base + '/v1/completions', {
    method: 'POST', body: JSON.stringify({ prompt: 'Once upon a time', max_tokens: 200, ignore_eos: true, stream: true }),
  });
  const reader = r.body.getReader();
  await reader.read();
  const stopped = s.stop();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  assert.match(text, /data: \[DONE\]/);
  assert.equal((await stopped).code, 0);
});
