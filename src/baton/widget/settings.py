"""The widget's knobs, read from ``BATON_WIDGET_*`` environment variables.

Kept apart from Baton's main settings because only the browser-facing channel uses
them; an app (or a test) may replace them with ``app.state.widget_settings``.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request

# What a visitor may upload: images a browser can show, PDFs and plain text. Office
# documents are left out on purpose: they are a common malware carrier and Salesforce
# shows them only as downloads anyway.
DEFAULT_FILE_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
)


class WidgetSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_WIDGET_", extra="ignore")

    # How often an open event stream looks for new rows; writes made by this process wake it sooner.
    poll_seconds: float = Field(default=1.0, gt=0)
    # A comment line this often keeps proxies from closing an idle stream.
    heartbeat_seconds: float = Field(default=15.0, gt=0)
    # Open event streams per process; beyond it the browser is told to come back later (503).
    max_streams: int = Field(default=2000, ge=1)
    retry_after_seconds: int = Field(default=5, ge=1)
    # Rows committed out of id order (PostgreSQL, concurrent writers) are still picked up this long.
    late_commit_grace_seconds: float = Field(default=10.0, ge=0)
    # Salesforce Messaging accepts attachments up to 5 MB; a larger file could never reach the rep.
    max_file_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    file_types: tuple[str, ...] = DEFAULT_FILE_TYPES
    visitor_token_days: int = Field(default=30, ge=1)
    identity_token_seconds: int = Field(default=600, ge=30, le=86_400)
    # New sessions per client address and minute, so an anonymous page cannot flood the database.
    sessions_per_minute: int = Field(default=30, ge=1)


@lru_cache(maxsize=1)
def _from_environment() -> WidgetSettings:
    return WidgetSettings()


def widget_settings(request: Request) -> WidgetSettings:
    """The app's widget settings: ``app.state.widget_settings`` if set, else the environment."""
    configured = getattr(request.app.state, "widget_settings", None)
    if isinstance(configured, WidgetSettings):
        return configured
    return _from_environment()
