"""The web UI: sign-in, inbox, session detail, and the settings an admin needs.

Mount with ``app.include_router(router)`` and serve ``STATIC_DIR`` at ``/ui/static``.
"""

from __future__ import annotations

from fastapi import APIRouter

from baton.ui import views_auth, views_email, views_inbox, views_salesforce, views_session
from baton.ui.templating import STATIC_DIR, STATIC_URL

__all__ = ["STATIC_DIR", "STATIC_URL", "router"]

router = APIRouter(prefix="/ui", include_in_schema=False)
for _module in (views_auth, views_inbox, views_session, views_salesforce, views_email):
    router.include_router(_module.router)
