"""A host web site on its own loopback origin that embeds the widget from Baton, for the browser tests."""

from __future__ import annotations

import json
from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

# Styles a real site might have that would break a widget living in the page's own DOM.
HOSTILE_CSS = """
* { font-family: "Comic Sans MS", cursive !important; letter-spacing: 3px; }
button { display: none; }
textarea, input { border: 5px solid red; width: 10px; }
ol, li { list-style: upper-roman; margin: 40px; }
"""


def host_page_app(baton_url: str, org_id: str, identity_token: str | None = None) -> Starlette:
    """``/`` embeds the widget; the page records ``onHandoff``/``onMessage`` calls in ``window.__baton``."""

    async def home(request: Request) -> HTMLResponse:
        config = {"identityToken": identity_token} if identity_token else {}
        return HTMLResponse(
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>Acme shop</title><style>{HOSTILE_CSS}</style></head><body>"
            "<a href='#top' id='first-link'>Skip to top</a><h1>Acme blenders</h1>"
            "<p>Our blenders are great. Questions? Use the chat.</p>"
            "<script>window.__baton = {handoffs: [], messages: []};"
            f"window.BatonWidget = Object.assign({json.dumps(config)}, {{"
            "onHandoff: function (p) { window.__baton.handoffs.push(p); },"
            "onMessage: function (m) { window.__baton.messages.push(m); }});</script>"
            f"<script src='{escape(baton_url)}/widget.js' data-org='{escape(org_id)}' "
            "data-title='Acme support' async></script></body></html>"
        )

    return Starlette(routes=[Route("/", home)])
