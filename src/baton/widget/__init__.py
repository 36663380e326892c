"""The web chat widget: an embeddable script, its browser API and the event stream it listens to.

``include_widget(app)`` mounts all of it on Baton's app:

- ``/widget.js`` and ``/widget.css`` (``assets``): the script a site embeds;
- ``/widget/v1/…`` (``routes``): sessions, messages, typing, files and the SSE stream,
  authorised by a per-session visitor token, CORS-enabled for the org's allowed origins;
- ``/api/v1/widget/…`` (``org_api``): visitor identities and widget settings (org API key).
"""

from __future__ import annotations

from fastapi import FastAPI

__all__ = ["include_widget"]


def include_widget(app: FastAPI) -> None:
    from baton.widget import assets, org_api, routes
    from baton.widget.cors import WidgetCorsMiddleware

    app.include_router(assets.router)
    app.include_router(routes.router)
    app.include_router(org_api.router, prefix="/api/v1")
    app.add_middleware(WidgetCorsMiddleware)
