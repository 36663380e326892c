"""Settings of the emulated SCRT host (Messaging for In-App and Web)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

#: What the authenticated token endpoint does when the customer identity token
#: fails verification. Salesforce is reported to answer 200 with a guest (ANON)
#: token, so that is the default; "reject" answers 401 instead.
VerificationFailureMode = Literal["anonymous", "reject"]


@dataclass
class KeysetConfig:
    """A User Verification keyset: an issuer plus uploaded JWKs and/or a JWKS URL."""

    name: str
    issuer: str
    jwks: list[dict[str, Any]] = field(default_factory=list)
    jwks_url: str | None = None


@dataclass
class DeploymentConfig:
    """An Embedded Service deployment of type Custom Client."""

    org_id: str
    es_developer_name: str
    hidden_prechat_fields: list[str] = field(default_factory=list)
    keyset: KeysetConfig | None = None
    #: Reported in RoutingResult entries; None means "not requested".
    estimated_wait_seconds: int | None = 60


@dataclass
class MiawConfig:
    """Everything that makes the emulator stricter, looser or faultier.

    Defaults follow the documented (or community-reported) behaviour; tests
    shorten the intervals.
    """

    deployments: list[DeploymentConfig] = field(default_factory=list)
    access_token_ttl_seconds: int = 3600
    #: Access-token requests allowed per org per minute (documented: 200).
    token_requests_per_minute: int = 200
    verification_failure: VerificationFailureMode = "anonymous"
    #: When set, the customer identity token's ``aud`` must equal this value.
    required_audience: str | None = None
    #: Replay retained events newer than ``Last-Event-Id`` on (re)connect.
    replay_on_reconnect: bool = True
    retained_events_per_subject: int = 1000
    ping_interval_seconds: float = 15.0
    #: Close every SSE stream this many seconds after it opened (None: never).
    drop_streams_every_seconds: float | None = None
    #: Sleep before writing each event to a stream.
    event_delay_seconds: float = 0.0
    #: Sent as the SSE ``retry:`` field at the start of each stream (milliseconds).
    sse_retry_ms: int | None = None
    max_file_bytes: int = 5 * 1024 * 1024
    #: Seconds since the epoch; injectable so token expiry can be tested without sleeping.
    clock: Callable[[], float] = time.time
