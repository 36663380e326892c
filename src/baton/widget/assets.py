"""``/widget.js`` and ``/widget.css``: the embeddable script and its styles, with caching headers.

Served by a route rather than a static mount so the headers fit a third-party embed:
a short ``max-age`` (sites pick up fixes within the hour without changing their tag),
an ETag for cheap revalidation, and CORS so ``crossorigin``/SRI embeds work.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response

STATIC_DIR = Path(__file__).parent / "static"
CACHE_CONTROL = "public, max-age=3600, stale-while-revalidate=86400"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    body: bytes
    etag: str
    media_type: str


@lru_cache(maxsize=4)
def load_asset(name: str, media_type: str) -> Asset:
    body = (STATIC_DIR / name).read_bytes()
    return Asset(body=body, etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"', media_type=media_type)


def _serve(request: Request, asset: Asset) -> Response:
    headers = {
        "Cache-Control": CACHE_CONTROL,
        "ETag": asset.etag,
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if asset.etag in [tag.strip() for tag in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/widget.js")
async def widget_js(request: Request) -> Response:
    return _serve(request, load_asset("widget.js", "text/javascript; charset=utf-8"))


@router.get("/widget.css")
async def widget_css(request: Request) -> Response:
    return _serve(request, load_asset("widget.css", "text/css; charset=utf-8"))
