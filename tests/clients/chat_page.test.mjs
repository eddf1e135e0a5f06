// The chat page at GET / in a real headless Chromium (Debian's): a message typed and sent streams a reply
// from /v1/chat/completions into the page; the test saves a screenshot. Env: QFORGE_BIN, QFORGE_SHARED,
// QFORGE_SCREENSHOT (where the PNG goes), CHROMIUM (default /usr/bin/chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from './serve_harness.mjs';

const qforge = process.env.QFORGE_BIN;
const shared = process.env.QFORGE_SHARED;
const shot = process.env.QFORGE_SCREENSHOT ?? 'chat-page.png';
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

test('the chat page streams a reply in headless Chromium', { timeout: 120000 }, async () => {
  assert.ok(existsSync(executablePath), `${executablePath} is missing: run scripts/setup.sh (Debian's chromium)`);
  const s = await startServer(qforge, ['-m', `${shared}/fixtures/gguf/pydoc6m-q4_k_m.gguf`, '-t', '1']);
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(s.base + '/');
    await page.waitForFunction(() => document.getElementById('model').textContent.endsWith('.gguf'));
    await page.fill('#input', 'How do I parse command line arguments?');
    await page.click('#send');
    await page.waitForFunction(() => {
      const a = document.querySelectorAll('.msg.assistant');
      return a.length === 1 && a[0].textContent.length > 0 && !document.getElementById('send').disabled;
    }, null, { timeout: 60000 });
    const reply = await page.textContent('.msg.assistant');
    assert.ok(reply.length > 0);
    assert.equal(await page.locator('.msg.error').count(), 0);
    assert.ok(requests.every((u) => u.startsWith(s.base)), 'the page loads nothing from elsewhere: ' + requests.join(' '));
    assert.deepEqual(errors, []);
    await page.screenshot({ path: shot });
    assert.ok(statSync(shot).size > 1000);
    console.log(`screenshot: ${shot}; reply: ${JSON.stringify(reply.slice(0, 60))}`);
  } finally {
    await browser.close();
    assert.equal((await s.stop()).code, 0);
  }
});
