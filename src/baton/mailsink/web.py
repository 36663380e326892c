"""A tiny web view of the sink: the customer's inbox in the demo, a debugging aid in tests.

``GET /`` lists messages (newest first, refreshes every 2 s), ``GET /messages/{n}``
shows one with its headers, ``GET /messages/{n}/raw`` the raw source;
``GET /api/messages`` (newest first), ``GET /api/messages/{n}`` and
``DELETE /api/messages`` are the JSON equivalents.
"""

from __future__ import annotations

from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from baton.mailsink.sink import MailSink, SinkMessage

__all__ = ["create_mailsink_app"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }
tr:hover { background: #f6f6f6; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: 1rem; border-radius: 4px; }
.muted { color: #777; font-size: .9em; }
"""


def _page(title: str, body: str, *, refresh: bool = False) -> HTMLResponse:
    meta = '<meta http-equiv="refresh" content="2">' if refresh else ""
    return HTMLResponse(
        f'<!DOCTYPE html><html><head><meta charset="utf-8">{meta}<title>{escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def create_mailsink_app(sink: MailSink) -> Starlette:
    """The ASGI app for ``sink``; mount it anywhere or serve it with uvicorn in the same loop."""

    def find(request: Request) -> SinkMessage | None:
        return sink.get(int(request.path_params["number"]))

    async def inbox(request: Request) -> Response:
        rows = "".join(
            f'<tr><td class="muted">#{m.id}</td><td>{escape(m.received_at.strftime("%H:%M:%S"))}</td>'
            f"<td>{escape(m.from_header)}</td><td>{escape(', '.join(m.to))}</td>"
            f'<td><a href="/messages/{m.id}">{escape(m.subject or "(no subject)")}</a></td></tr>'
            for m in reversed(sink.messages())
        )
        table = (
            "<table><tr><th></th><th>Received</th><th>From</th><th>To</th><th>Subject</th></tr>"
            f"{rows}</table>"
            if rows
            else '<p class="muted">No mail yet.</p>'
        )
        return _page("Mail sink", f"<h1>Mail sink</h1>{table}", refresh=True)

    async def detail(request: Request) -> Response:
        message = find(request)
        if message is None:
            return HTMLResponse("<h1>No such message</h1>", status_code=404)
        headers = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in message.headers)
        body = (
            f'<p><a href="/">&larr; all mail</a> · <a href="/messages/{message.id}/raw">raw source</a></p>'
            f"<h1>{escape(message.subject or '(no subject)')}</h1>"
            f'<p class="muted">envelope from &lt;{escape(message.envelope_from)}&gt; to '
            f"{escape(', '.join(message.envelope_to))}</p>"
            f"<pre>{escape(message.text)}</pre><h2>Headers</h2><table>{headers}</table>"
        )
        return _page(message.subject or "(no subject)", body)

    async def raw(request: Request) -> Response:
        message = find(request)
        if message is None:
            return PlainTextResponse("No such message", status_code=404)
        return PlainTextResponse(message.raw.decode("utf-8", errors="replace"))

    async def api_list(request: Request) -> Response:
        return JSONResponse({"messages": [m.summary() for m in reversed(sink.messages())]})

    async def api_detail(request: Request) -> Response:
        message = find(request)
        if message is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        return JSONResponse({**message.summary(), "html": message.html, "headers": message.headers})

    async def api_clear(request: Request) -> Response:
        sink.clear()
        return Response(status_code=204)

    return Starlette(
        routes=[
            Route("/", inbox, methods=["GET"]),
            Route("/messages/{number:int}", detail, methods=["GET"]),
            Route("/messages/{number:int}/raw", raw, methods=["GET"]),
            Route("/api/messages", api_list, methods=["GET"]),
            Route("/api/messages", api_clear, methods=["DELETE"]),
            Route("/api/messages/{number:int}", api_detail, methods=["GET"]),
        ]
    )
