"""Runtime fault injection settings, drawn from a seedable random source."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

_FLOAT_FIELDS = (
    "latency_ms",
    "error_rate_5xx",
    "lost_response_rate",
    "timeout_rate",
    "timeout_seconds",
    "drop_webhook_rate",
)
_RATE_FIELDS = ("error_rate_5xx", "lost_response_rate", "timeout_rate", "drop_webhook_rate")


@dataclass
class FaultSettings:
    latency_ms: float = 0.0
    error_rate_5xx: float = 0.0
    lost_response_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    rotate_refresh_tokens: bool | None = None
    rate_limited_until: float | None = None
    daily_api_limit: int | None = None
    drop_webhook_rate: float = 0.0
    # Whether the OAuth endpoints also hang and lose responses, or only answer 5xx. With
    # refresh-token rotation a lost token response leaves the client holding an invalidated
    # refresh token (Salesforce documents no grace period), so a run that wants the
    # connection to survive sets this to False.
    ambiguous_oauth_faults: bool = True
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def draw(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def public_view(self, now_monotonic: float) -> dict[str, Any]:
        view = {k: v for k, v in asdict(self).items() if k not in ("rng", "rate_limited_until")}
        remaining = (self.rate_limited_until or 0) - now_monotonic
        view["rate_limited_for_seconds"] = round(remaining, 3) if remaining > 0 else 0
        return view


class FaultSettingsError(ValueError):
    pass


def apply_fault_update(settings: FaultSettings, update: dict[str, Any], now_monotonic: float) -> list[str]:
    """Apply a ``POST /_emulator/faults`` body; returns one-shot actions to run (``expire_tokens_now``)."""
    actions: list[str] = []
    for key, value in update.items():
        if key in _FLOAT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise FaultSettingsError(f"{key} must be a non-negative number")
            if key in _RATE_FIELDS and value > 1:
                raise FaultSettingsError(f"{key} must be between 0 and 1")
            setattr(settings, key, float(value))
        elif key == "rotate_refresh_tokens":
            if value is not None and not isinstance(value, bool):
                raise FaultSettingsError("rotate_refresh_tokens must be a boolean or null")
            settings.rotate_refresh_tokens = value
        elif key == "ambiguous_oauth_faults":
            if not isinstance(value, bool):
                raise FaultSettingsError("ambiguous_oauth_faults must be a boolean")
            settings.ambiguous_oauth_faults = value
        elif key == "rate_limit_for_seconds":
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise FaultSettingsError("rate_limit_for_seconds must be a non-negative number")
            settings.rate_limited_until = now_monotonic + float(value) if value else None
        elif key == "daily_api_limit":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise FaultSettingsError("daily_api_limit must be a non-negative integer or null")
            settings.daily_api_limit = value
        elif key == "seed":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise FaultSettingsError("seed must be an integer or null")
            settings.seed = value
            settings.rng = random.Random(value)
        elif key == "expire_tokens_now":
            if not isinstance(value, bool):
                raise FaultSettingsError("expire_tokens_now must be a boolean")
            if value:
                actions.append("expire_tokens_now")
        else:
            raise FaultSettingsError(f"unknown fault setting: {key}")
    return actions
