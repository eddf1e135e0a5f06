// Starts `qforge serve` on a free loopback port for a test and stops it (SIGTERM) afterwards.
import { spawn } from 'node:child_process';

export async function startServer(qforge, args, { readyTimeoutMs = 60000, env = {} } = {}) {
  const child = spawn(qforge, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), readyTimeoutMs);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(log);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${log}`)); });
  });
  child.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    try {
      const r = await fetch(base + '/health');
      if (r.status === 200) break;
      if (r.status !== 503) throw new Error('/health answered ' + r.status);
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error('server not ready:\n' + log);
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    base, port, child, log: () => log,
    async stop() {
      if (child.exitCode !== null) return { code: child.exitCode };
      child.kill('SIGTERM');
      return await exited;
    },
  };
}

// Server-sent events of a response body: the parsed `data:` payloads, '[DONE]' kept as the string.
export async function readEvents(response) {
  const text = await response.text();
  const events = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    if (!block.startsWith('data: ')) throw new Error('not an SSE data line: ' + block);
    const data = block.slice(6);
    events.push(data === '[DONE]' ? data : JSON.parse(data));
  }
  return events;
}
