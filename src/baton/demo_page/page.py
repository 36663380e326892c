"""The demo page: act as a customer without any tools.

``GET /`` shows the tour, a form that sends a real email to Baton's SMTP receiver and the
latest sessions (refreshed every few seconds from ``GET /sessions``); ``POST /send`` sends
the email, ``POST /sessions/{id}/handoff`` hands a session off through Baton's public API.
It is a client of Baton like any other (HTTP with the demo org's API key), never part of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from html import escape
from typing import Any
from urllib.parse import quote

import aiosmtplib
import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

SESSIONS_SHOWN = 10
MESSAGES_SHOWN = 6


@dataclass(frozen=True)
class DemoLinks:
    baton: str
    api_key: str
    console: str
    mailbox: str
    inbox: str | None
    smtp_host: str
    smtp_port: int
    support_address: str
    # The demo org's id, for the web chat widget page (``/widget-demo``).
    org_id: str | None = None


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 62rem; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } .muted { color: #666; font-size: .9em; }
ol li { margin: .3rem 0; } form.send label { display: block; margin: .5rem 0 .2rem; font-weight: 600; }
form.send input, form.send textarea { width: 100%; box-sizing: border-box; padding: .4rem; font: inherit; }
form.send textarea { height: 6rem; } button { padding: .4rem .9rem; font: inherit; cursor: pointer; }
.session { border: 1px solid #ddd; border-radius: 6px; padding: .7rem 1rem; margin: .7rem 0; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; background: #eee; font-size: .85em; }
.human { background: #ffe2b8; } .ai { background: #d8ecff; } .closed_resolved { background: #d9f2dc; }
.msg { margin: .2rem 0; white-space: pre-wrap; } .role { font-weight: 600; }
.notice { background: #e8f5e9; padding: .5rem 1rem; border-radius: 4px; }
.error { background: #fdecea; padding: .5rem 1rem; border-radius: 4px; }
"""

_REFRESH = """<script>
setInterval(async () => {
  try {
    const response = await fetch('/sessions');
    if (response.ok) document.getElementById('sessions').innerHTML = await response.text();
  } catch (e) {}
}, 3000);
</script>"""


def _page(body: str) -> HTMLResponse:
    return HTMLResponse(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Baton demo</title>'
        f"<style>{_STYLE}</style></head><body>{body}{_REFRESH}</body></html>"
    )


def _link(url: str, text: str, element_id: str = "") -> str:
    id_attr = f' id="{element_id}"' if element_id else ""
    return f'<a href="{escape(url)}" target="_blank"{id_attr}>{escape(text)}</a>'


def _tour(links: DemoLinks) -> str:
    inbox = (
        f"<li>Follow the conversation in Baton's inbox: {_link(links.inbox, links.inbox)}.</li>"
        if links.inbox
        else ""
    )
    return (
        "<ol>"
        f"<li>Send an email below, as a customer writing to <code>{escape(links.support_address)}</code>."
        " Ask <em>How long is the warranty?</em> and the AI answers from the help articles, with sources;"
        " write <em>I want to talk to a human</em> and it hands off at once.</li>"
        "<li>Watch the session appear under <em>Latest sessions</em>; press <em>Hand off</em> to pass an"
        " AI conversation to a rep.</li>"
        f"<li>Open the Case in the Salesforce rep console ({_link(links.console, links.console)}),"
        " write a <em>Public comment</em> and press Send.</li>"
        f"<li>See the reply arrive in the customer's mailbox: {_link(links.mailbox, links.mailbox)}.</li>"
        f"{inbox}"
        f"{_widget_tour(links)}"
        f"<li>Everything else is in the API docs: {_link(links.baton + '/docs', links.baton + '/docs')}.</li>"
        "</ol>"
    )


def _widget_tour(links: DemoLinks) -> str:
    if not links.org_id:
        return ""
    return (
        "<li>Or chat live: the <a href='/widget-demo' id='widget-demo-link'>web chat widget page</a> embeds"
        " Baton's widget; ask for a human there and answer from the rep console.</li>"
    )


def _widget_page(links: DemoLinks) -> HTMLResponse:
    """A shop page with the one-line embed a site owner would add (and nothing else from Baton)."""
    snippet = f'<script src="{links.baton}/widget.js" data-org="{links.org_id}" async></script>'
    return HTMLResponse(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Acme Demo shop</title><style>{_STYLE}</style></head><body>"
        "<h1>Acme Demo blenders</h1><p class='muted'>A pretend shop page with Baton's web chat widget.</p>"
        "<ol><li>Open the chat at the bottom right and ask <em>How long is the warranty?</em></li>"
        "<li>Write <em>I want to talk to a human</em>: the AI hands off to a rep.</li>"
        "<li>The conversation goes to the rep's Messaging queue once live messaging is connected"
        f" (rep console: {_link(links.console, links.console)}); it is in Baton's inbox either way.</li>"
        "<li>Reload this page: the conversation is still there.</li></ol>"
        f"<p>The whole embed is one line:</p><pre><code>{escape(snippet)}</code></pre>"
        "<p><a href='/'>Back to the demo</a></p>"
        f"{snippet}</body></html>"
    )


_SEND_FORM = """
<h2>Send an email as a customer</h2>
<form class="send" method="post" action="/send" id="send-form">
<label for="from_name">Your name</label><input id="from_name" name="from_name" value="Jane Doe">
<label for="from_address">Your email address</label>
<input id="from_address" name="from_address" value="jane@example.com">
<label for="subject">Subject</label><input id="subject" name="subject" value="Question about my blender">
<label for="text">Message</label>
<textarea id="text" name="text">Hi, how long is the warranty on my blender?</textarea>
<p><button type="submit" id="send-submit">Send email</button></p>
</form>
"""


def _message_html(message: dict[str, Any]) -> str:
    role = {"customer": "Customer", "ai": "AI", "agent": "Rep", "system": "System"}.get(
        str(message["role"]), str(message["role"])
    )
    if message.get("internal"):
        role += " (internal)"
    text = str(message["text"])
    shown = text if len(text) <= 600 else text[:600] + " …"
    return f'<div class="msg"><span class="role">{escape(role)}:</span> {escape(shown)}</div>'


def _session_html(session: dict[str, Any], messages: list[dict[str, Any]], links: DemoLinks) -> str:
    session_id = str(session["id"])
    handoff = session.get("handoff") or {}
    owner, status = escape(str(session["assignee"])), escape(str(session["status"]))
    badges = f'<span class="badge {owner}">owner: {owner}</span> <span class="badge {status}">{status}</span>'

    if handoff.get("state"):
        badges += f' <span class="badge">handoff: {escape(str(handoff["state"]))}</span>'
    actions = []
    case_id = session.get("salesforce_case_id")
    if case_id:
        actions.append(
            _link(f"{links.console}/cases/{quote(str(case_id))}", "Open the Case", f"case-{session_id}")
        )
    elif session["assignee"] == "ai" and not str(session["status"]).startswith("closed"):
        actions.append(
            f'<form method="post" action="/sessions/{escape(session_id)}/handoff" style="display:inline">'
            f'<button type="submit" id="handoff-{escape(session_id)}">Hand off</button></form>'
        )
    if links.inbox:
        actions.append(_link(f"{links.inbox}/{quote(session_id)}", "In the inbox"))
    contact = session.get("contact") or {}
    transcript = "".join(_message_html(m) for m in messages[-MESSAGES_SHOWN:])
    return (
        f'<div class="session" id="session-{escape(session_id)}">'
        f"<strong>{escape(str(session.get('subject') or '(no subject)'))}</strong> "
        f'<span class="muted">#{escape(str(session["ticket_number"]))} · '
        f"{escape(str(contact.get('email') or ''))} · {escape(str(session['channel']))}</span>"
        f"<div>{badges} {' · '.join(actions)}</div>{transcript}</div>"
    )


def create_demo_page(links: DemoLinks, http: httpx2.AsyncClient) -> Starlette:
    """The page's ASGI app; ``http`` is the client it calls Baton's API with (owned by the caller)."""
    headers = {"Authorization": f"Bearer {links.api_key}"}

    async def sessions_html() -> str:
        try:
            listed = await http.get(
                f"{links.baton}/api/v1/sessions", params={"limit": SESSIONS_SHOWN}, headers=headers
            )
            listed.raise_for_status()
            html = []
            for session in listed.json()["items"]:
                messages = await http.get(
                    f"{links.baton}/api/v1/sessions/{session['id']}/messages", headers=headers
                )
                html.append(_session_html(session, messages.json() if messages.is_success else [], links))
        except httpx2.HTTPError as exc:
            return f'<p class="error">Baton did not answer: {escape(str(exc))}</p>'
        return "".join(html) or '<p class="muted">No sessions yet: send an email above.</p>'

    async def home(request: Request) -> Response:
        notice = ""
        if sent := request.query_params.get("sent"):
            notice = (
                f'<p class="notice" id="sent-notice">Sent “{escape(sent)}”. '
                "It shows up below in a moment.</p>"
            )
        if error := request.query_params.get("error"):
            notice = f'<p class="error" id="send-error">{escape(error)}</p>'
        return _page(
            "<h1>Baton demo</h1><p class='muted'>Acme Demo sells blenders; you are one of its customers.</p>"
            f"{_tour(links)}{notice}{_SEND_FORM}"
            f'<h2>Latest sessions</h2><div id="sessions">{await sessions_html()}</div>'
        )

    async def sessions(request: Request) -> Response:
        return HTMLResponse(await sessions_html())

    async def send(request: Request) -> Response:
        form = await request.form()
        values = {
            key: str(form.get(key) or "").strip() for key in ("from_name", "from_address", "subject", "text")
        }
        if not values["from_address"] or "@" not in values["from_address"] or not values["text"]:
            return RedirectResponse("/?error=" + quote("Write a message and a valid email address."), 303)
        mail = EmailMessage()
        try:
            username, _, domain = values["from_address"].rpartition("@")
            mail["From"] = Address(values["from_name"], username, domain)
        except (ValueError, IndexError):
            return RedirectResponse("/?error=" + quote("That email address is not valid."), 303)
        mail["To"] = links.support_address
        mail["Subject"] = values["subject"] or "(no subject)"
        mail["Message-ID"] = make_msgid(domain=domain or "example.com")
        mail.set_content(values["text"])
        try:
            await aiosmtplib.send(mail, hostname=links.smtp_host, port=links.smtp_port, start_tls=False)
        except aiosmtplib.SMTPException as exc:
            return RedirectResponse("/?error=" + quote(f"Baton did not accept the email: {exc}"), 303)
        return RedirectResponse("/?sent=" + quote(str(mail["Subject"])), 303)

    async def handoff(request: Request) -> Response:
        session_id = request.path_params["session_id"]
        response = await http.post(
            f"{links.baton}/api/v1/sessions/{quote(session_id)}/handoff",
            json={"reason": "Handed off from the demo page."},
            headers=headers,
        )
        if not response.is_success:
            return RedirectResponse("/?error=" + quote(f"Baton refused the handoff: {response.text}"), 303)
        return RedirectResponse("/", 303)

    async def widget_demo(request: Request) -> Response:
        if not links.org_id:
            return HTMLResponse("The widget demo needs the demo org's id.", status_code=404)
        return _widget_page(links)

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/widget-demo", widget_demo, methods=["GET"]),
            Route("/sessions", sessions, methods=["GET"]),
            Route("/send", send, methods=["POST"]),
            Route("/sessions/{session_id}/handoff", handoff, methods=["POST"]),
        ]
    )
