"""``/miaw-console``: a minimal rep console page for the demo and browser tests.

Element ids are stable on purpose (browser automation relies on them):
``miaw-agent-name``, ``miaw-queue`` (items ``miaw-conversation-<id>``),
``miaw-selected-id``, ``miaw-selected-status``, ``miaw-routing-attributes``,
``miaw-customer-typing``, ``miaw-transcript``, ``miaw-accept``,
``miaw-reply-text``, ``miaw-reply-send``, ``miaw-typing-start``,
``miaw-typing-stop``, ``miaw-end-chat``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

CONSOLE_PATH = "/miaw-console"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Messaging console (emulator)</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 0; display: flex; height: 100vh; }
 #miaw-left { width: 22rem; border-right: 1px solid #ccc; overflow: auto; padding: .5rem; }
 #miaw-right { flex: 1; padding: .5rem 1rem; overflow: auto; }
 .miaw-conversation { padding: .4rem; border-bottom: 1px solid #eee; cursor: pointer; }
 .miaw-conversation.selected { background: #e8f0fe; }
 #miaw-transcript li[data-role="Agent"] { color: #0b57d0; }
 #miaw-transcript li[data-role="EndUser"] { color: #222; }
 #miaw-transcript li.event { color: #777; font-style: italic; }
 textarea { width: 100%; height: 4rem; }
</style>
</head>
<body>
<div id="miaw-left">
  <label>Rep name <input id="miaw-agent-name" value="Jane (Support)"></label>
  <h3>Queue</h3>
  <ul id="miaw-queue" style="list-style:none;padding:0"></ul>
</div>
<div id="miaw-right">
  <h3>Conversation <span id="miaw-selected-id"></span> — <span id="miaw-selected-status"></span></h3>
  <table id="miaw-routing-attributes"></table>
  <p id="miaw-customer-typing"></p>
  <ol id="miaw-transcript"></ol>
  <button id="miaw-accept">Accept</button>
  <button id="miaw-end-chat">End Chat</button>
  <textarea id="miaw-reply-text" placeholder="Reply to the customer"></textarea>
  <button id="miaw-reply-send">Send</button>
  <button id="miaw-typing-start">Typing…</button>
  <button id="miaw-typing-stop">Stop typing</button>
  <p id="miaw-error" style="color:#b00"></p>
</div>
<script>
const API = "__ADMIN__";
let selected = null;
function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
async function call(path, body) {
  const response = await fetch(API + path, {method: "POST", headers: {"Content-Type": "application/json"},
                                            body: JSON.stringify(body || {})});
  document.getElementById("miaw-error").textContent =
    response.ok ? "" : (await response.json()).message;
  await refresh();
}
function render(conversations) {
  const queue = document.getElementById("miaw-queue");
  queue.replaceChildren(...conversations.map(c => {
    const item = el("li", {id: "miaw-conversation-" + c.conversationId, "class": "miaw-conversation",
                           "data-conversation-id": c.conversationId, "data-status": c.status},
                    c.status + " · " + (c.routingAttributes.OpencxSessionId || c.conversationId));
    if (c.conversationId === selected) item.classList.add("selected");
    item.onclick = () => { selected = c.conversationId; refresh(); };
    return item;
  }));
  const c = conversations.find(x => x.conversationId === selected);
  document.getElementById("miaw-selected-id").textContent = c ? c.conversationId : "";
  document.getElementById("miaw-selected-status").textContent =
    c ? c.status + (c.agentName ? " (" + c.agentName + ")" : "") : "";
  document.getElementById("miaw-customer-typing").textContent =
    c && c.customerTyping ? "Customer is typing…" : "";
  document.getElementById("miaw-routing-attributes").replaceChildren(
    ...(c ? Object.entries(c.routingAttributes) : []).map(([k, v]) => {
      const row = el("tr", {"data-attribute": k});
      row.append(el("th", {}, k), el("td", {}, v));
      return row;
    }));
  document.getElementById("miaw-transcript").replaceChildren(
    ...(c ? c.transcript : []).map(e => e.entryType === "Message"
      ? el("li", {"data-role": e.role, "data-identifier": e.identifier}, e.displayName + ": " + e.text)
      : el("li", {"class": "event", "data-identifier": e.identifier}, e.entryType)));
}
async function refresh() {
  const response = await fetch(API + "/queue");
  if (response.ok) render((await response.json()).conversations);
}
document.getElementById("miaw-accept").onclick = () => selected &&
  call("/conversations/" + selected + "/accept",
       {displayName: document.getElementById("miaw-agent-name").value});
document.getElementById("miaw-reply-send").onclick = () => {
  const box = document.getElementById("miaw-reply-text");
  if (selected && box.value) {
    call("/conversations/" + selected + "/messages", {text: box.value});
    box.value = "";
  }
};
document.getElementById("miaw-typing-start").onclick = () => selected &&
  call("/conversations/" + selected + "/typing", {started: true});
document.getElementById("miaw-typing-stop").onclick = () => selected &&
  call("/conversations/" + selected + "/typing", {started: false});
document.getElementById("miaw-end-chat").onclick = () => selected &&
  call("/conversations/" + selected + "/end");
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"""


def console_route(admin_prefix: str) -> Route:
    """The console page route; it talks to the admin API at ``admin_prefix``."""
    page = _PAGE.replace("__ADMIN__", admin_prefix)

    async def console(request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return Route(CONSOLE_PATH, console, methods=["GET"])
