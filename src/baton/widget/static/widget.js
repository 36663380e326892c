/*! Baton web chat widget — one file, no dependencies.
 *
 * Embed:  <script src="https://baton.example.com/widget.js" data-org="ORG_ID" async></script>
 * Options: data-* attributes on the tag, or window.BatonWidget = { ... } (see docs/channels/webchat.md).
 *
 * Everything lives in a Shadow DOM so the host page's CSS cannot reach it, and every piece of
 * text from the conversation is inserted as text (textContent / text nodes), never as HTML.
 */
(function () {
  "use strict";

  if (window.__batonWidgetLoaded) return;
  window.__batonWidgetLoaded = true;

  // --- configuration ----------------------------------------------------------------------------

  var script = document.currentScript || document.querySelector("script[data-org][src*='widget.js']");
  if (!script) return;
  var data = script.dataset || {};
  var BASE = (data.baseUrl || script.src.replace(/\/widget\.js(?:[?#].*)?$/, "")).replace(/\/+$/, "");

  function config() {
    return window.BatonWidget && typeof window.BatonWidget === "object" ? window.BatonWidget : {};
  }
  function option(name, fallback) {
    var value = config()[name];
    if (value !== undefined && value !== null && value !== "") return value;
    if (data[name] !== undefined && data[name] !== "") return data[name];
    return fallback;
  }

  var ORG = option("org", "");
  if (!ORG) {
    if (window.console) console.error("Baton widget: data-org is missing on the script tag");
    return;
  }
  var TEXT = {
    title: option("title", "Chat with us"),
    greeting: option("greeting", "Hi! Ask us anything — we usually answer right away."),
    aiName: option("aiName", "Assistant"),
    launcher: option("launcherLabel", "Chat with us"),
    handoff: "A human will take over this conversation. Please stay here: the reply comes in this chat.",
    ended: "The agent ended the chat.",
    closed: "This conversation has ended.",
    lost: "Connection lost. Reconnecting…",
    expired: "This conversation is no longer available. Start a new one.",
  };
  var MAX_FILE_BYTES = Number(option("maxFileMb", 5)) * 1024 * 1024;
  var STORAGE_KEY = "baton-widget:v1:" + ORG;

  // --- storage (localStorage may be unavailable: private modes, sandboxed frames) --------------

  var memory = {};
  function load() {
    try {
      return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
    } catch (e) {
      return memory[STORAGE_KEY] || null;
    }
  }
  function save(value) {
    memory[STORAGE_KEY] = value;
    try {
      if (value) window.localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* memory only */
    }
  }

  // --- DOM helpers --------------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        if (key === "text") node.textContent = attrs[key];
        else if (key === "className") node.className = attrs[key];
        else if (attrs[key] === true) node.setAttribute(key, "");
        else if (attrs[key] !== false && attrs[key] !== null && attrs[key] !== undefined)
          node.setAttribute(key, String(attrs[key]));
      });
    }
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // Icons as inline SVG: emoji glyphs depend on the visitor's fonts and are missing on many systems.
  var ICONS = {
    chat: "M21 12a8 8 0 0 1-11.6 7.1L4 21l1.9-5.2A8 8 0 1 1 21 12z",
    clip: "M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5",
    close: "M6 6l12 12M18 6L6 18",
  };
  function icon(name, className) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "bw-icon" + (className ? " " + className : ""));
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function safeUrl(url) {
    if (!url) return null;
    try {
      var parsed = new URL(url, BASE + "/");
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  // Text with web addresses turned into links; built from text nodes, so nothing is parsed as HTML.
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;
  function richText(text) {
    var fragment = document.createDocumentFragment();
    var last = 0;
    String(text).replace(URL_PATTERN, function (match, offset) {
      fragment.appendChild(document.createTextNode(text.slice(last, offset)));
      var href = safeUrl(match);
      fragment.appendChild(
        href
          ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: match })
          : document.createTextNode(match)
      );
      last = offset + match.length;
      return match;
    });
    fragment.appendChild(document.createTextNode(String(text).slice(last)));
    return fragment;
  }

  // --- the UI -------------------------------------------------------------------------------------

  var host = el("div", { id: "baton-widget", "data-baton-widget": "" });
  var shadow = host.attachShadow({ mode: "open" });
  var accent = option("accent", "");
  if (/^#[0-9a-fA-F]{3,8}$/.test(accent)) host.style.setProperty("--bw-accent", accent);
  var root = el("div", { className: "bw-root" + (option("position", "right") === "left" ? " bw-left" : ""), hidden: true });

  var launcherBadge = el("span", { className: "bw-badge", hidden: true, "aria-hidden": "true" });
  var launcher = el(
    "button",
    { type: "button", className: "bw-launcher", "aria-expanded": "false", "aria-controls": "bw-panel" },
    [icon("chat", "bw-launcher-icon"), el("span", { className: "bw-launcher-text", text: TEXT.launcher }), launcherBadge]
  );
  var title = el("h2", { id: "bw-title", className: "bw-title", text: TEXT.title });
  var subtitle = el("p", { id: "bw-subtitle", className: "bw-subtitle", text: "" });
  var closeButton = el("button", { type: "button", className: "bw-close", "aria-label": "Close chat" }, [icon("close")]);
  var banner = el("div", { className: "bw-banner", role: "status", hidden: true, text: TEXT.lost });
  var log = el("ol", {
    className: "bw-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var typing = el("p", { className: "bw-typing", hidden: true, "aria-live": "polite" });
  var startOverButton = el("button", { type: "button", className: "bw-button", text: "Start a new conversation" });
  var endedBox = el("div", { className: "bw-ended", hidden: true }, [
    el("p", { className: "bw-ended-text", role: "status", text: TEXT.ended }),
    startOverButton,
  ]);
  var input = el("textarea", {
    id: "bw-input",
    className: "bw-input",
    rows: "1",
    maxlength: "32000",
    placeholder: "Write a message…",
    autocomplete: "off",
  });
  var fileInput = el("input", { type: "file", className: "bw-file", tabindex: "-1", "aria-hidden": "true", accept: "image/*,application/pdf,text/plain,text/csv" });
  var attachButton = el("button", { type: "button", className: "bw-attach", "aria-label": "Attach a file" }, [icon("clip")]);
  var sendButton = el("button", { type: "submit", className: "bw-send", text: "Send" });
  var errorLine = el("p", { className: "bw-error", role: "alert", hidden: true });
  var form = el("form", { className: "bw-composer", novalidate: true }, [
    el("label", { for: "bw-input", className: "bw-sr", text: "Message" }),
    input,
    fileInput,
    attachButton,
    sendButton,
  ]);
  var panel = el(
    "section",
    { id: "bw-panel", className: "bw-panel", role: "dialog", "aria-labelledby": "bw-title", "aria-describedby": "bw-subtitle", hidden: true },
    [
      el("header", { className: "bw-header" }, [el("div", { className: "bw-heading" }, [title, subtitle]), closeButton]),
      banner,
      log,
      typing,
      endedBox,
      errorLine,
      form,
    ]
  );
  root.appendChild(panel);
  root.appendChild(launcher);

  var stylesheet = el("link", { rel: "stylesheet", href: BASE + "/widget.css" });
  // Shown once styled (an unstyled flash of the panel would land in the host page's layout).
  stylesheet.addEventListener("load", function () { root.hidden = false; });
  stylesheet.addEventListener("error", function () { root.hidden = false; });
  shadow.appendChild(stylesheet);
  shadow.appendChild(root);

  // --- conversation state -------------------------------------------------------------------------

  var state = {
    session: load(), // {sessionId, token, verified}
    seen: {}, // message ids already shown
    notified: {}, // message ids already passed to onMessage
    agentName: null,
    assignee: "ai",
    ended: false,
    cursor: null,
    source: null,
    reconnectDelay: 1000,
    reconnectTimer: null,
    unread: 0,
    open: false,
    busy: false,
    typingTimer: null,
    lastTypingSent: 0,
  };

  function call(name, payload) {
    var fn = config()[name];
    if (typeof fn === "function") {
      try {
        fn(payload);
      } catch (e) {
        if (window.console) console.error("Baton widget: " + name + " failed", e);
      }
    }
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function setSubtitle() {
    if (state.ended) subtitle.textContent = TEXT.closed;
    else if (state.agentName) subtitle.textContent = "You are chatting with " + state.agentName;
    else if (state.assignee === "human") subtitle.textContent = "Waiting for an agent…";
    else subtitle.textContent = "Our assistant answers right away";
  }

  function authorOf(message) {
    if (message.role === "customer") return "You";
    if (message.role === "ai") return TEXT.aiName;
    if (message.role === "agent") return message.author_name || state.agentName || "Agent";
    return "";
  }

  function fileHref(url) {
    if (!url) return null;
    if (url.charAt(0) === "/" && state.session) {
      return safeUrl(BASE + url + "?token=" + encodeURIComponent(state.session.token));
    }
    return safeUrl(url);
  }

  function renderMessage(message) {
    if (state.seen[message.id]) return false;
    state.seen[message.id] = true;
    if (message.role === "system") {
      noticeOnce(message.text, "bw-system");
      return true;
    }
    var item = el("li", { className: "bw-msg bw-role-" + message.role, "data-id": message.id });
    var author = authorOf(message);
    if (author) {
      item.appendChild(el("span", { className: message.role === "customer" ? "bw-author bw-sr" : "bw-author", text: author }));
    }
    var attachments = message.attachments || [];
    var isFileOnly = attachments.length && attachments.some(function (a) { return a.name === message.text; });
    if (message.text && !isFileOnly) item.appendChild(el("div", { className: "bw-text" }, [richText(message.text)]));
    if (attachments.length) {
      var list = el("ul", { className: "bw-files", "aria-label": "Attachments" });
      attachments.forEach(function (file) {
        var href = fileHref(file.url);
        var link = href
          ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", download: file.name })
          : el("span");
        link.appendChild(icon("clip"));
        link.appendChild(document.createTextNode(file.name));
        list.appendChild(el("li", null, [link]));
      });
      item.appendChild(list);
    }
    log.appendChild(item);
    scrollToEnd();
    return true;
  }

  function notice(text, className) {
    var item = el("li", { className: "bw-notice" + (className ? " " + className : ""), text: text });
    log.appendChild(item);
    scrollToEnd();
    return item;
  }

  // The relay tells the visitor some things twice: as a live event (to show at once) and as a
  // system message (to keep in the transcript). Show each text once.
  var noticesByText = {};
  function noticeOnce(text, className) {
    var existing = noticesByText[text];
    if (existing && existing.isConnected) return existing;
    noticesByText[text] = notice(text, className);
    return noticesByText[text];
  }

  function greeting() {
    if (!log.childElementCount) notice(TEXT.greeting, "bw-greeting");
  }

  function markUnread() {
    if (state.open) return;
    state.unread += 1;
    launcherBadge.textContent = String(state.unread);
    launcherBadge.hidden = false;
    launcher.setAttribute("aria-label", TEXT.launcher + " (" + state.unread + " new)");
  }

  function clearUnread() {
    state.unread = 0;
    launcherBadge.hidden = true;
    launcher.removeAttribute("aria-label");
  }

  function showTyping(text) {
    typing.textContent = text;
    typing.hidden = false;
    clearTimeout(state.typingTimer);
    // A lost "stopped typing" must not leave the indicator up forever.
    state.typingTimer = setTimeout(hideTyping, 8000);
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    typing.hidden = true;
    typing.textContent = "";
  }

  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  function setComposerEnabled(enabled) {
    input.disabled = !enabled;
    sendButton.disabled = !enabled;
    attachButton.disabled = !enabled;
  }

  // The rep ending the chat does not always close the session: Baton may hand it back to the
  // assistant, and then the visitor can keep writing or start over. A closed session ends it all.
  function showEnded(byAgent, closed) {
    if (state.ended) return;
    hideTyping();
    state.agentName = null;
    endedBox.querySelector(".bw-ended-text").textContent = byAgent ? TEXT.ended : TEXT.closed;
    endedBox.hidden = false;
    if (closed) {
      state.ended = true;
      form.hidden = true;
      disconnect();
    }
    setSubtitle();
    call("onEnd", { sessionId: state.session && state.session.sessionId, closed: closed });
  }

  function applyState(s) {
    if (!s) return;
    state.assignee = s.assignee || state.assignee;
    if (s.agent_name) state.agentName = s.agent_name;
    setSubtitle();
    // A closed session a human owned was ended by that human (the relay may report the close first).
    if (s.ended) showEnded(s.assignee === "human", true);
  }

  function onHandoff(payload) {
    state.assignee = "human";
    notice(TEXT.handoff, "bw-handoff");
    setSubtitle();
    call("onHandoff", { summary: payload.summary, reasons: payload.reasons || [], sentiment: payload.sentiment });
  }

  function onMessage(message, live) {
    if (!renderMessage(message)) return;
    if (message.role === "ai") hideTyping();
    if (message.role === "agent") {
      hideTyping();
      if (message.author_name && !state.agentName) {
        state.agentName = message.author_name;
        setSubtitle();
      }
    }
    if (live && message.role !== "customer" && !state.notified[message.id]) {
      state.notified[message.id] = true;
      markUnread();
      call("onMessage", message);
    }
  }

  function waitText(d) {
    if (d.text) return String(d.text);
    var seconds = Number(d.seconds || d.estimated_wait_seconds || d.estimatedWaitTime || 0);
    if (seconds > 0) {
      var minutes = Math.max(1, Math.round(seconds / 60));
      return "Estimated wait: about " + minutes + (minutes === 1 ? " minute." : " minutes.");
    }
    if (d.position) return "You are number " + d.position + " in the queue.";
    return "An agent will be with you shortly.";
  }

  var waitNotice = null;
  function onLiveEvent(type, event) {
    var d = event.data || {};
    if (type === "typing") {
      // "active" from this widget's contract, "started" as the Salesforce relay reports it.
      var active = d.active !== undefined ? d.active : d.started;
      if (active === false) hideTyping();
      else showTyping((d.name || state.agentName || "The agent") + " is typing…");
    } else if (type === "participant") {
      var name = d.name || d.display_name || "An agent";
      var op = String(d.operation || d.action || "joined").toLowerCase();
      if (op === "left" || op === "leave" || op === "remove" || op === "removed") {
        if (state.agentName === name) state.agentName = null;
        notice(name + " left the chat.");
      } else {
        state.agentName = name;
        notice(name + " joined the chat.");
      }
      setSubtitle();
    } else if (type === "wait") {
      if (waitNotice && waitNotice.textContent !== waitText(d)) waitNotice.remove();
      waitNotice = noticeOnce(waitText(d), "bw-wait");
      waitNotice.classList.add("bw-wait");
    } else if (type === "ended") {
      showEnded(true, false);
    } else if (d.text) {
      noticeOnce(String(d.text));
    }
  }

  // --- the server ---------------------------------------------------------------------------------

  function api(path, options) {
    options = options || {};
    var headers = options.headers || {};
    if (state.session && !options.anonymous) headers.Authorization = "Bearer " + state.session.token;
    return fetch(BASE + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body,
      mode: "cors",
      credentials: "omit",
    }).then(function (response) {
      return response
        .json()
        .catch(function () { return {}; })
        .then(function (body) {
          if (!response.ok) {
            var error = new Error(body.detail || "HTTP " + response.status);
            error.status = response.status;
            throw error;
          }
          return body;
        });
    });
  }

  function jsonHeaders() {
    return { "Content-Type": "application/json" };
  }

  function resolveIdentityToken() {
    var token = config().identityToken;
    if (typeof token === "function") token = token();
    return Promise.resolve(token || null);
  }

  function createSession() {
    return resolveIdentityToken().then(function (identityToken) {
      var body = { page_url: String(window.location.href).slice(0, 2000) };
      if (identityToken) body.identity_token = identityToken;
      return api("/widget/v1/" + encodeURIComponent(ORG) + "/sessions", {
        method: "POST",
        headers: jsonHeaders(),
        body: JSON.stringify(body),
        anonymous: true,
      }).then(function (created) {
        state.session = { sessionId: created.session_id, token: created.visitor_token, verified: created.verified };
        save(state.session);
        applyState(created.state);
        call("onSessionCreated", { sessionId: created.session_id, verified: created.verified });
        connect(null);
        return state.session;
      });
    });
  }

  function ensureSession() {
    return state.session ? Promise.resolve(state.session) : createSession();
  }

  function forgetSession(message) {
    disconnect();
    save(null);
    state.session = null;
    if (message) showError(message);
  }

  function restore() {
    if (!state.session) return Promise.resolve();
    return api("/widget/v1/sessions/" + encodeURIComponent(state.session.sessionId))
      .then(function (snapshot) {
        log.textContent = "";
        snapshot.messages.forEach(function (m) {
          state.notified[m.id] = true;
          onMessage(m, false);
        });
        applyState(snapshot.state);
        if (snapshot.handoff && !state.ended) notice(TEXT.handoff, "bw-handoff");
        if (!state.ended) connect(snapshot.cursor);
      })
      .catch(function (error) {
        if (error.status === 401 || error.status === 404) forgetSession(null);
        else scheduleReconnect(null);
      });
  }

  function closeSource() {
    clearTimeout(state.reconnectTimer);
    if (state.source) {
      state.source.close();
      state.source = null;
    }
  }

  function disconnect() {
    closeSource();
    banner.hidden = true;
  }

  function scheduleReconnect(cursor) {
    clearTimeout(state.reconnectTimer);
    var delay = state.reconnectDelay;
    state.reconnectDelay = Math.min(state.reconnectDelay * 2, 30000);
    state.reconnectTimer = setTimeout(function () {
      if (!state.session || state.ended) return;
      if (cursor === null && state.cursor === null) restore();
      else connect(state.cursor || cursor);
    }, delay);
  }

  function connect(cursor) {
    if (!state.session || state.ended || typeof window.EventSource !== "function") return;
    closeSource();
    state.cursor = cursor || state.cursor;
    var url =
      BASE + "/widget/v1/sessions/" + encodeURIComponent(state.session.sessionId) + "/events?token=" + encodeURIComponent(state.session.token);
    if (state.cursor) url += "&after=" + encodeURIComponent(state.cursor);
    var source = new EventSource(url);
    state.source = source;

    function track(event) {
      if (event.lastEventId) state.cursor = event.lastEventId;
    }
    function parsed(event) {
      track(event);
      try {
        return JSON.parse(event.data);
      } catch (e) {
        return null;
      }
    }
    source.addEventListener("open", function () {
      banner.hidden = true;
      state.reconnectDelay = 1000;
    });
    source.addEventListener("error", function () {
      if (state.source !== source) return;
      banner.hidden = false;
      // The browser retries by itself unless the server refused (503, 401…): then it is up to us.
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        state.source = null;
        scheduleReconnect(state.cursor);
      }
    });
    source.addEventListener("message", function (event) {
      var message = parsed(event);
      if (message) onMessage(message, true);
    });
    source.addEventListener("handoff", function (event) {
      var payload = parsed(event);
      if (payload) onHandoff(payload);
    });
    source.addEventListener("state", function (event) {
      applyState(parsed(event));
    });
    source.addEventListener("gone", function () {
      forgetSession(TEXT.expired);
    });
    ["typing", "participant", "wait", "ended", "system", "live"].forEach(function (type) {
      source.addEventListener(type, function (event) {
        var payload = parsed(event);
        if (payload) onLiveEvent(type === "live" ? payload.type : type, payload);
      });
    });
  }

  function handleSendError(error) {
    if (error.status === 409) showEnded(false, true);
    else if (error.status === 401 || error.status === 404) forgetSession(TEXT.expired);
    else showError(error.message && error.status ? error.message.replace(/^\w+: /, "") : "Could not send. Check your connection and try again.");
  }

  function withBusy(promise, answered) {
    state.busy = true;
    sendButton.disabled = true;
    var aiTyping = answered && state.assignee !== "human";
    if (aiTyping) showTyping(TEXT.aiName + " is typing…");
    return promise
      .then(function (result) {
        (result.messages || []).forEach(function (m) { onMessage(m, m.role !== "customer"); });
        applyState(result.state);
      })
      .catch(handleSendError)
      .then(function () {
        state.busy = false;
        if (!state.ended) sendButton.disabled = false;
        if (aiTyping) hideTyping();
      });
  }

  function send(text) {
    showError("");
    endedBox.hidden = true;
    return withBusy(
      ensureSession().then(function (session) {
        return api("/widget/v1/sessions/" + encodeURIComponent(session.sessionId) + "/messages", {
          method: "POST",
          headers: jsonHeaders(),
          body: JSON.stringify({ text: text }),
        });
      }),
      true
    );
  }

  function upload(file) {
    showError("");
    if (file.size > MAX_FILE_BYTES) {
      showError("This file is too large to send.");
      return Promise.resolve();
    }
    return withBusy(
      ensureSession().then(function (session) {
        var body = new FormData();
        body.append("file", file, file.name);
        return api("/widget/v1/sessions/" + encodeURIComponent(session.sessionId) + "/files", { method: "POST", body: body });
      }),
      false
    );
  }

  function sendTyping(active) {
    if (!state.session || state.assignee !== "human" || state.ended) return;
    api("/widget/v1/sessions/" + encodeURIComponent(state.session.sessionId) + "/typing", {
      method: "POST",
      headers: jsonHeaders(),
      body: JSON.stringify({ active: active }),
    }).catch(function () {});
  }

  // --- open, close, keyboard ------------------------------------------------------------------------

  function open() {
    if (state.open) return;
    state.open = true;
    panel.hidden = false;
    root.classList.add("bw-is-open");
    launcher.setAttribute("aria-expanded", "true");
    clearUnread();
    greeting();
    setSubtitle();
    scrollToEnd();
    (state.ended ? startOverButton : input).focus();
    call("onOpen");
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    panel.hidden = true;
    root.classList.remove("bw-is-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
    call("onClose");
  }

  function startOver() {
    forgetSession(null);
    state.ended = false;
    state.agentName = null;
    state.assignee = "ai";
    state.seen = {};
    noticesByText = {};
    state.cursor = null;
    log.textContent = "";
    endedBox.hidden = true;
    form.hidden = false;
    setComposerEnabled(true);
    showError("");
    greeting();
    setSubtitle();
    input.focus();
  }

  launcher.addEventListener("click", function () { (state.open ? close : open)(); });
  closeButton.addEventListener("click", close);
  startOverButton.addEventListener("click", startOver);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || state.busy || state.ended) return;
    input.value = "";
    autosize();
    send(text).then(function () { if (state.open && !state.ended) input.focus(); });
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter starts a new line (IME composition is left alone).
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", function () {
    autosize();
    var now = Date.now();
    if (now - state.lastTypingSent > 4000) {
      state.lastTypingSent = now;
      sendTyping(true);
    }
  });
  input.addEventListener("blur", function () {
    if (state.lastTypingSent) {
      state.lastTypingSent = 0;
      sendTyping(false);
    }
  });
  attachButton.addEventListener("click", function () { fileInput.click(); });
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (file) upload(file).then(function () { if (!state.ended) attachButton.focus(); });
  });
  // A dead network can leave the stream hanging on a socket nobody will ever write to: drop it
  // at once, say so, and resume from the last event when the network is back.
  window.addEventListener("offline", function () {
    if (!state.session || state.ended) return;
    closeSource();
    banner.hidden = false;
  });
  window.addEventListener("online", function () {
    if (state.session && !state.source && !state.ended) connect(state.cursor);
  });

  // --- start ------------------------------------------------------------------------------------------

  function mount() {
    document.body.appendChild(host);
    setSubtitle();
    restore().then(function () {
      if (String(option("open", "")) === "true") open();
    });
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  var api_ = config();
  window.BatonWidget = api_;
  api_.open = open;
  api_.close = close;
  api_.startOver = startOver;
})();
