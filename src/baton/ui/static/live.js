// Keeps the session page current while an agent watches: polls a server-rendered
// fragment and swaps the sections that changed. Without JavaScript the page falls
// back to a meta refresh (see session.html).
(function () {
  "use strict";
  var root = document.getElementById("session-live");
  if (!root || !window.fetch || !("content" in document.createElement("template"))) return;

  var INTERVAL_MS = 3000;
  var url = root.getAttribute("data-live-url");
  var status = document.getElementById("live-status");
  var last = null;
  var timer = null;
  var stopped = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  function messageCount() {
    return document.querySelectorAll("#conversation .message").length;
  }

  // What to restore after the swap: expanded timeline entries and keyboard focus.
  function snapshot() {
    var open = {};
    document.querySelectorAll("details[data-event]").forEach(function (d) {
      if (d.open) open[d.getAttribute("data-event")] = true;
    });
    var focused = null;
    var active = document.activeElement;
    if (active && active.closest) {
      var details = active.closest("details[data-event]");
      if (details) focused = { event: details.getAttribute("data-event") };
      else if (active.id && active.closest("[data-live]")) focused = { id: active.id };
    }
    return { open: open, focused: focused };
  }

  function restoreFocus(focused) {
    if (!focused) return;
    var target = null;
    if (focused.event) {
      var details = document.querySelector('details[data-event="' + focused.event + '"]');
      target = details && details.querySelector("summary");
    } else if (focused.id) {
      target = document.getElementById(focused.id);
    }
    if (target) target.focus();
  }

  function syncHandoffButton() {
    var facts = document.getElementById("facts");
    var button = document.getElementById("handoff-button");
    var reason = document.getElementById("reason");
    var done = document.getElementById("handoff-done");
    if (!facts || !button) return;
    var handedOff = facts.getAttribute("data-handed-off") === "true";
    button.disabled = handedOff;
    if (reason) reason.disabled = handedOff;
    var reasonField = document.getElementById("reason-field");
    if (reasonField) reasonField.hidden = handedOff;
    if (done) done.hidden = !handedOff;
    if (handedOff) button.setAttribute("aria-describedby", "handoff-done");
    else button.removeAttribute("aria-describedby");
  }

  function apply(html) {
    if (html === last) return;
    last = html;
    var before = messageCount();
    var state = snapshot();
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[data-live][id]").forEach(function (fresh) {
      var current = document.getElementById(fresh.id);
      if (!current) return;
      fresh.querySelectorAll("details[data-event]").forEach(function (d) {
        if (state.open[d.getAttribute("data-event")]) d.open = true;
      });
      current.replaceWith(fresh);
    });
    restoreFocus(state.focused);
    syncHandoffButton();
    var added = messageCount() - before;
    if (added > 0) say(added === 1 ? "1 new message." : added + " new messages.");
  }

  function schedule() {
    if (!stopped && !document.hidden) timer = window.setTimeout(poll, INTERVAL_MS);
  }

  function poll() {
    timer = null;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        // A redirect to the sign-in page is not a fragment: stop rather than paste it in.
        if (!response.ok || response.headers.get("X-Baton-Fragment") !== "session-live") {
          stopped = true;
          say("Live updates stopped. Reload the page (you may need to sign in again).");
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) apply(html);
      })
      .catch(function () {
        say("Live updates are retrying: the server did not answer.");
      })
      .finally(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && timer === null && !stopped) poll();
  });
  schedule();
})();
