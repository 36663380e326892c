"""The rep console: a plain HTML Service Console where Jane Rep works Cases.

Stable element ids (``case-list``, ``case-subject``, ``reply-body``, ``reply-kind-public``,
``reply-kind-internal``, ``reply-kind-email``, ``reply-submit``, ``close-case``…) are
the contract for browser automation.
"""

from __future__ import annotations

from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from salesforce_emulator.errors import ApiError
from salesforce_emulator.html_pages import page
from salesforce_emulator.http_helpers import runtime_of
from salesforce_emulator.rep_actions import CaseNotFound, add_comment, close_case, find_case, send_email
from salesforce_emulator.state import Org, Record
from salesforce_emulator.values import format_iso_utc


def _when(value: Any) -> str:
    return format_iso_utc(value) if value is not None else ""


def _author(org: Org, user_id: str | None) -> str:
    user = org.user(user_id) if user_id else None
    return escape(str(user["Name"])) if user else ""


async def case_list(request: Request) -> Response:
    org = runtime_of(request).org
    cases = sorted(
        org.records["Case"].values(),
        # Baton's Cases first, newest first within each group.
        key=lambda c: (
            str(c.get("Case_From__c") or "").lower() != "opencx",
            -c["CreatedDate"].timestamp(),
            c["Id"],
        ),
    )
    rows = "".join(
        f"<tr id='case-row-{c['Id']}'><td><a href='/console/cases/{c['Id']}' id='case-link-{c['Id']}'>"
        f"{escape(str(c['CaseNumber']))}</a></td><td>{escape(str(c.get('Subject') or ''))}</td>"
        f"<td>{escape(str(c['Status']))}</td><td>{escape(str(c.get('Case_From__c') or ''))}</td>"
        f"<td>{_when(c['CreatedDate'])}</td></tr>"
        for c in cases
    )
    body = (
        "<h1>Cases</h1><p class='muted'>Signed in as Jane Rep</p><table id='case-list'>"
        "<tr><th>Case Number</th><th>Subject</th><th>Status</th><th>Case From</th><th>Created</th></tr>"
        f"{rows}</table>"
    )
    return HTMLResponse(page("Cases", body))


def _timeline(org: Org, case: Record) -> str:
    comments = [c for c in org.records["CaseComment"].values() if c["ParentId"] == case["Id"]]
    emails = [e for e in org.records["EmailMessage"].values() if e["ParentId"] == case["Id"]]
    comments.sort(key=lambda c: (c["CreatedDate"], c["Id"]))
    emails.sort(key=lambda e: (e["CreatedDate"], e["Id"]))
    comment_html = "".join(
        f"<div class='comment {'public' if c['IsPublished'] else 'internal'}' id='comment-{c['Id']}' "
        f"data-published='{str(bool(c['IsPublished'])).lower()}'>"
        f"<div class='muted'>{'Public' if c['IsPublished'] else 'Internal'} · "
        f"{_author(org, c['CreatedById'])} · "
        f"{_when(c['CreatedDate'])}</div><pre>{escape(str(c.get('CommentBody') or ''))}</pre></div>"
        for c in comments
    )
    email_html = "".join(
        f"<div class='comment' id='email-{e['Id']}'><div class='muted'>"
        f"{'Incoming' if e['Incoming'] else 'Sent'} · {escape(str(e.get('FromAddress') or ''))} → "
        f"{escape(str(e.get('ToAddress') or ''))} · {_when(e['CreatedDate'])}</div>"
        f"<strong>{escape(str(e.get('Subject') or ''))}</strong>"
        f"<pre>{escape(str(e.get('TextBody') or ''))}</pre></div>"
        for e in emails
    )
    return (
        f"<h2>Case Comments</h2><div id='comments'>{comment_html or '<p class=muted>No comments</p>'}</div>"
        f"<h2>Emails</h2><div id='emails'>{email_html or '<p class=muted>No emails</p>'}</div>"
    )


def _case_page(org: Org, case: Record, error: str | None = None) -> str:
    case_id = case["Id"]
    error_html = f"<p id='console-error' class='error'>{escape(error)}</p>" if error else ""
    close_form = (
        ""
        if case["IsClosed"]
        else f"<form method='post' action='/console/cases/{case_id}/close'>"
        "<button id='close-case' type='submit'>Close Case</button></form>"
    )
    return (
        f"<p><a href='/console' id='back-to-cases'>← Cases</a></p>{error_html}"
        f"<h1 id='case-subject'>{escape(str(case.get('Subject') or ''))}</h1>"
        f"<p>Case <span id='case-number'>{escape(str(case['CaseNumber']))}</span> · Status "
        f"<span id='case-status'>{escape(str(case['Status']))}</span> · "
        f"<span id='case-contact'>{escape(str(case.get('SuppliedName') or ''))} "
        f"{escape(str(case.get('SuppliedEmail') or ''))}</span></p>"
        f"<h2>Description</h2><pre id='case-description'>{escape(str(case.get('Description') or ''))}</pre>"
        f"{_timeline(org, case)}"
        f"<h2>Reply</h2><form method='post' action='/console/cases/{case_id}/reply' id='reply-form'>"
        "<p><label><input type='radio' name='kind' value='public' id='reply-kind-public' checked> "
        "Public comment</label> "
        "<label><input type='radio' name='kind' value='internal' id='reply-kind-internal'> "
        "Internal note</label> "
        "<label><input type='radio' name='kind' value='email' id='reply-kind-email'> Email</label></p>"
        "<p><label for='reply-body'>Message</label><br><textarea id='reply-body' name='body'></textarea></p>"
        "<p><button id='reply-submit' type='submit'>Send</button></p></form>"
        f"{close_form}"
    )


async def case_detail(request: Request) -> Response:
    org = runtime_of(request).org
    try:
        case = find_case(org, request.path_params["case_id"])
    except CaseNotFound:
        return HTMLResponse(page("Not Found", "<p id='console-error'>Case not found</p>"), status_code=404)
    return HTMLResponse(page(str(case.get("Subject") or "Case"), _case_page(org, case)))


async def reply(request: Request) -> Response:
    runtime = runtime_of(request)
    case_id = request.path_params["case_id"]
    form = await request.form()
    kind, body = form.get("kind"), form.get("body")
    if not isinstance(body, str) or not body.strip() or kind not in ("public", "internal", "email"):
        return await _case_error(request, "Write a message and choose how to send it.")
    try:
        if kind == "email":
            await send_email(runtime, case_id, body)
        else:
            await add_comment(runtime, case_id, body, is_published=kind == "public")
    except CaseNotFound:
        return HTMLResponse(page("Not Found", "<p id='console-error'>Case not found</p>"), status_code=404)
    except ApiError as exc:
        return await _case_error(request, exc.item.message)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


async def close(request: Request) -> Response:
    case_id = request.path_params["case_id"]
    try:
        await close_case(runtime_of(request), case_id)
    except CaseNotFound:
        return HTMLResponse(page("Not Found", "<p id='console-error'>Case not found</p>"), status_code=404)
    except ApiError as exc:
        return await _case_error(request, exc.item.message)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


async def _case_error(request: Request, message: str) -> Response:
    org = runtime_of(request).org
    case = find_case(org, request.path_params["case_id"])
    return HTMLResponse(page("Error", _case_page(org, case, message)), status_code=400)


def console_routes() -> list[Route]:
    return [
        Route("/console", case_list, methods=["GET"]),
        Route("/console/cases/{case_id}", case_detail, methods=["GET"]),
        Route("/console/cases/{case_id}/reply", reply, methods=["POST"]),
        Route("/console/cases/{case_id}/close", close, methods=["POST"]),
    ]
