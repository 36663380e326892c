"""``customerIdentityToken``: the JWT that vouches for a verified customer.

Claims follow Salesforce's own key tool: ``iss`` (the keyset issuer), ``sub``
(the contact's stable id), ``iat`` and a short ``exp``; header ``kid``. ``aud``
is left out unless asked for, as the official tool does.
"""

from __future__ import annotations

import time

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from baton.salesforce.messaging.keys import ALGORITHMS, load_private_key

DEFAULT_LIFETIME_SECONDS = 300


def customer_identity_token(
    private_key: rsa.RSAPrivateKey | str,
    *,
    kid: str,
    issuer: str,
    subject: str,
    lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    audience: str | None = None,
    algorithm: str = "RS256",
    now: float | None = None,
) -> str:
    """Sign an identity token for ``subject``; ``private_key`` may be a PEM string."""
    if algorithm not in ALGORITHMS:
        raise ValueError("Identity tokens must be signed with RS256 or RS512.")
    if not subject:
        raise ValueError("The identity token needs a subject (the contact's stable id).")
    key = load_private_key(private_key) if isinstance(private_key, str) else private_key
    issued = int(now if now is not None else time.time())
    claims: dict[str, object] = {
        "iss": issuer,
        "sub": subject,
        "iat": issued,
        "exp": issued + lifetime_seconds,
    }
    if audience is not None:
        claims["aud"] = audience
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})
