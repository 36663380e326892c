"""The inbox: every session of the org, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baton.api.deps import DbSession
from baton.conversations.service import CHANNELS
from baton.ui.auth import CurrentUser, end_read
from baton.ui.inbox_query import ASSIGNEES, HANDOFF_STATES, STATUSES, InboxFilters, list_inbox
from baton.ui.templating import templates

router = APIRouter()


@router.get("/", include_in_schema=False)
async def ui_home() -> Response:
    return RedirectResponse("/ui/sessions", status_code=303)


@router.get("/sessions", response_class=HTMLResponse)
async def inbox(request: Request, user: CurrentUser, db: DbSession) -> Response:
    filters = InboxFilters.from_query(dict(request.query_params))
    page = await list_inbox(db, user.org.org_id, filters)
    await end_read(db)
    return templates.TemplateResponse(
        request,
        "inbox.html",
        {
            "title": "Inbox",
            "user": user,
            "nav": "inbox",
            "filters": filters,
            "page": page,
            "next_link": f"/ui/sessions?{filters.query_string(cursor=page.next_cursor)}"
            if page.next_cursor
            else None,
            "first_link": f"/ui/sessions?{filters.query_string(cursor='')}" if filters.cursor else None,
            "statuses": STATUSES,
            "assignees": ASSIGNEES,
            "channels": CHANNELS,
            "handoff_states": HANDOFF_STATES,
        },
    )
