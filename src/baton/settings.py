"""One typed configuration, read from ``BATON_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# A key that only the demo and tests may use; `baton serve` refuses it outside development.
DEVELOPMENT_SECRET_KEY = "baton-development-key-do-not-use-in-production"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BATON_", extra="ignore")

    home: Path = Field(default=Path(".baton"), description="Where the embedded default keeps its files.")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite under home.")
    secret_key: SecretStr = Field(default=SecretStr(DEVELOPMENT_SECRET_KEY))
    public_url: str = Field(default="http://127.0.0.1:8000")
    smtp_url: str | None = Field(default=None, description="Outbound mail, e.g. smtp://127.0.0.1:2525")
    smtp_listen: str | None = Field(default=None, description="Inbound SMTP receiver host:port; off if unset")
    salesforce_poll_seconds: float = Field(default=60.0, gt=0)
    # How often an idle worker looks for due jobs (it is also woken in-process on enqueue).
    job_poll_seconds: float = Field(default=0.2, gt=0)
    # A job whose worker stops heartbeating is taken over by another worker after this long.
    job_lease_seconds: float = Field(default=30.0, gt=1)
    # Salesforce answers in well under this; a longer wait counts as a lost (ambiguous) response.
    salesforce_timeout_seconds: float = Field(default=30.0, gt=0)
    # REQUEST_LIMIT_EXCEEDED: wait this long before trying again.
    salesforce_rate_limit_retry_seconds: float = Field(default=60.0, gt=0)
    # Live Messaging: a worker that stops renewing its stream leases loses them after this long.
    messaging_stream_lease_seconds: float = Field(default=15.0, gt=0.5)
    # How often the stream manager looks for streams to adopt (and renews its leases, at lease/3).
    messaging_stream_poll_seconds: float = Field(default=1.0, gt=0)
    messaging_max_streams_per_worker: int = Field(default=5000, ge=1)
    # First reconnect delay of an SSE stream (grows 1.5x per failed attempt, capped at 30 s).
    messaging_stream_backoff_seconds: float = Field(default=1.0, gt=0)
    # A handoff waits this long for the stream to be connected before creating the conversation.
    messaging_stream_open_wait_seconds: float = Field(default=5.0, ge=0)
    # Verified users' access tokens are re-minted this long before they expire.
    messaging_token_renew_seconds: float = Field(default=300.0, ge=0)
    environment: str = Field(default="development")

    @field_validator("public_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    def refuse_development_key(self) -> None:
        """Outside development, the well-known development key would make every secret readable."""
        if self.environment != "development" and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET_KEY:
            raise SystemExit(
                "BATON_SECRET_KEY must be set (the development key is refused outside development)"
            )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'baton.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
