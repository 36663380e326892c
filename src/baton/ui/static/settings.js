// Settings pages: copy buttons, the custom login URL field, and the Salesforce
// sign-in popup. Everything here is an enhancement; the forms work without it.
(function () {
  "use strict";
  var POPUP_NAME = "baton-salesforce-oauth";
  var popup = null;
  var watcher = null;

  function copyText(input, button) {
    var done = function () {
      var label = button.firstChild;
      var original = label.nodeValue;
      label.nodeValue = "Copied";
      window.setTimeout(function () { label.nodeValue = original; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      // Plain http on a non-local host has no clipboard API: select so Ctrl+C works.
      input.focus();
      input.select();
      try { if (document.execCommand("copy")) done(); } catch (e) { /* selection is enough */ }
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (input) copyText(input, button);
  });

  // Custom My Domain: show its field only when chosen (without JS it is always shown).
  var choice = document.getElementById("login_choice");
  var customField = document.getElementById("login-custom-field");
  function syncCustom() {
    if (choice && customField) customField.hidden = choice.value !== "custom";
  }
  if (choice) choice.addEventListener("change", syncCustom);
  syncCustom();

  var result = document.getElementById("oauth-result");
  function announce(text, ok) {
    if (!result) return;
    var stale = document.getElementById("page-notice");
    if (stale) stale.hidden = true;  // "Credentials saved" no longer describes the state
    result.textContent = text;
    result.className = "alert " + (ok ? "alert-info" : "alert-error");
    result.hidden = false;
  }

  function refreshStatus() {
    var slot = document.getElementById("status-slot");
    if (!slot) return Promise.resolve(null);
    return fetch(slot.getAttribute("data-status-url"), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.headers.get("X-Baton-Fragment") !== "salesforce-status") {
          window.location.reload();
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return null;
        slot.innerHTML = html;
        var card = document.getElementById("salesforce-status");
        return card ? card.getAttribute("data-status") : null;
      });
  }

  function stopWatching() {
    if (watcher !== null) window.clearInterval(watcher);
    watcher = null;
  }

  // The callback page posts {baton: "salesforce-oauth", ok} to its opener. Only trust
  // messages from this page's origin or from the origin of the callback URL.
  function trustedOrigin(origin) {
    if (origin === window.location.origin) return true;
    var callback = document.getElementById("callback-url");
    try { return !!callback && new URL(callback.value).origin === origin; } catch (e) { return false; }
  }

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || data.baton !== "salesforce-oauth" || !trustedOrigin(event.origin)) return;
    stopWatching();
    if (data.ok && popup && !popup.closed) popup.close();
    refreshStatus().then(function (status) {
      if (data.ok) announce("Connected to Salesforce.", true);
      else announce("Salesforce did not connect. " + (status === "error" ? "See the error below." : "Check the popup for the reason."), false);
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "connect-form") return;
    event.preventDefault();
    popup = window.open("", POPUP_NAME, "popup=yes,width=620,height=720");
    if (!popup) {
      // Popup blocked: carry on in this window; the callback page says when it is done.
      announce("Popups are blocked for this site: allow popups to keep this page open. Continuing in this window…", false);
      form.target = "_self";
    } else {
      form.target = POPUP_NAME;
      stopWatching();
      // If the admin closes the popup (or its message cannot reach us), re-read the status.
      watcher = window.setInterval(function () {
        if (popup.closed) {
          stopWatching();
          refreshStatus();
        }
      }, 1000);
    }
    form.submit();
  });
})();
