#include "chat_page.h"

namespace qforge::serve_app {

std::string_view chat_page_html() {
    static constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>qforge chat</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2330; background: #f4f5f7; }
  body { margin: 0; display: flex; flex-direction: column; height: 100vh; }
  header { padding: 10px 16px; background: #1d2330; color: #fff; display: flex; gap: 12px; align-items: center; }
  header h1 { font-size: 16px; margin: 0; font-weight: 600; }
  header span { font-size: 13px; opacity: .75; }
  header input { margin-left: auto; padding: 4px 8px; border-radius: 4px; border: 0; width: 180px; }
  #messages { flex: 1; overflow-y: auto; padding: 16px; display: flex; flex-direction: column; gap: 10px; }
  .msg { max-width: 75%; padding: 8px 12px; border-radius: 10px; white-space: pre-wrap; line-height: 1.4; }
  .user { align-self: flex-end; background: #2f6fed; color: #fff; }
  .assistant { align-self: flex-start; background: #fff; border: 1px solid #d8dbe2; }
  .error { align-self: center; background: #fde8e8; color: #9b1c1c; }
  form { display: flex; gap: 8px; padding: 12px 16px; background: #fff; border-top: 1px solid #d8dbe2; }
  textarea { flex: 1; resize: none; height: 44px; padding: 8px; font: inherit; border: 1px solid #c3c8d2; border-radius: 6px; }
  button { padding: 0 18px; font: inherit; border: 0; border-radius: 6px; background: #2f6fed; color: #fff; cursor: pointer; }
  button:disabled { background: #9bb5ee; cursor: default; }
  #stats { font-size: 12px; color: #6b7280; padding: 0 16px 8px; background: #fff; }
</style>
</head>
<body>
<header><h1>qforge</h1><span id="model">connecting...</span>
  <input id="key" type="password" placeholder="API key (if the server has one)" autocomplete="off"></header>
<div id="messages"></div>
<div id="stats"></div>
<form id="form">
  <textarea id="input" placeholder="Write a message; Enter sends, Shift+Enter breaks the line"></textarea>
  <button id="send" type="submit">Send</button>
</form>
<script>
const history = [];
const $ = (id) => document.getElementById(id);
const headers = () => {
  const h = { 'Content-Type': 'application/json' };
  if ($('key').value) h['Authorization'] = 'Bearer ' + $('key').value;
  return h;
};
function bubble(role, text) {
  const div = document.createElement('div');
  div.className = 'msg ' + role;
  div.textContent = text;
  $('messages').appendChild(div);
  $('messages').scrollTop = $('messages').scrollHeight;
  return div;
}
async function models() {
  try {
    const r = await fetch('/v1/models', { headers: headers() });
    const j = await r.json();
    $('model').textContent = r.ok ? j.data[0].id : (j.error ? j.error.message : r.status);
  } catch (e) { $('model').textContent = String(e); }
}
async function send(text) {
  history.push({ role: 'user', content: text });
  bubble('user', text);
  const out = bubble('assistant', '');
  $('send').disabled = true;
  const started = performance.now();
  let tokens = 0, reply = '';
  try {
    const r = await fetch('/v1/chat/completions', {
      method: 'POST', headers: headers(),
      body: JSON.stringify({ messages: history, stream: true, max_tokens: 256 })
    });
    if (!r.ok) { const j = await r.json(); throw new Error(j.error ? j.error.message : r.statusText); }
    const reader = r.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!event.startsWith('data: ')) continue;
        const data = event.slice(6);
        if (data === '[DONE]') continue;
        const j = JSON.parse(data);
        if (j.error) throw new Error(j.error.message);
        for (const c of j.choices) {
          if (c.delta && c.delta.content) { reply += c.delta.content; tokens++; out.textContent = reply; }
        }
        $('messages').scrollTop = $('messages').scrollHeight;
      }
    }
    history.push({ role: 'assistant', content: reply });
    const s = (performance.now() - started) / 1000;
    $('stats').textContent = tokens + ' chunks in ' + s.toFixed(2) + ' s';
  } catch (e) {
    out.remove();
    history.pop();
    bubble('error', String(e.message || e));
  } finally {
    $('send').disabled = false;
  }
}
$('form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('input').value.trim();
  if (!text) return;
  $('input').value = '';
  send(text);
});
$('input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('form').requestSubmit(); }
});
$('key').addEventListener('change', models);
models();
</script>
</body>
</html>
)html";
    return page;
}

}  // namespace qforge::serve_app
