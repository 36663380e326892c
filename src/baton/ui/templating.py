"""The Jinja2 environment of the UI: autoescaping on, and the few filters pages need."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from starlette.templating import Jinja2Templates

from baton import __version__

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
# Fixed, not url_for: the static mount's name is the app's business, its path is the contract.
STATIC_URL = "/ui/static"


def format_time(value: datetime | None) -> str:
    """One unambiguous format everywhere: UTC, to the second."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value is not None else ""


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        # Everything rendered comes from customers, reps or Salesforce: escape it all.
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["time"] = format_time
    env.filters["iso"] = iso_time
    env.filters["pretty_json"] = pretty_json
    env.globals["static_url"] = STATIC_URL
    env.globals["version"] = __version__
    return env


templates = Jinja2Templates(env=_environment())
