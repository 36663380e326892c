"""Token revocation, OpenID userinfo and the identity URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from salesforce_emulator.http_helpers import bearer_token, json_response, request_base_url, runtime_of
from salesforce_emulator.state import Org, Record


async def revoke(request: Request) -> Response:
    org = runtime_of(request).org
    token = request.query_params.get("token")
    if request.method == "POST":
        raw = await request.body()
        token = dict(parse_qsl(raw.decode("utf-8", errors="replace"))).get("token", token)
    if not token or not org.tokens.revoke(token):
        return json_response({"error": "invalid_token", "error_description": "invalid token"}, 400)
    return Response(status_code=200)


def _current_user(request: Request, org: Org) -> Record | None:
    token = bearer_token(request)
    access = org.tokens.valid_access_token(token, org.clock.now()) if token else None
    return org.user(access.user_id) if access else None


def _bad_token() -> Response:
    return PlainTextResponse("Bad_OAuth_Token", status_code=403)


async def userinfo(request: Request) -> Response:
    org = runtime_of(request).org
    user = _current_user(request, org)
    if user is None:
        return _bad_token()
    base_url = request_base_url(request)
    return json_response(
        {
            "sub": f"{base_url}/id/{org.org_id}/{user['Id']}",
            "user_id": user["Id"],
            "organization_id": org.org_id,
            "preferred_username": user["Username"],
            "nickname": str(user["Username"]).split("@")[0],
            "name": user["Name"],
            "email": user["Email"],
            "email_verified": True,
            "given_name": user["FirstName"],
            "family_name": user["LastName"],
            "zoneinfo": "Europe/London",
            "active": user["IsActive"],
            "user_type": "STANDARD",
            "language": "en_US",
            "locale": "en_GB",
            "urls": _urls(base_url, org, user),
        }
    )


async def identity(request: Request) -> Response:
    org = runtime_of(request).org
    user = _current_user(request, org)
    if user is None:
        return _bad_token()
    if request.path_params["org_id"] != org.org_id or request.path_params["user_id"] != user["Id"]:
        return PlainTextResponse("Bad_Id", status_code=403)
    base_url = request_base_url(request)
    return json_response(
        {
            "id": f"{base_url}/id/{org.org_id}/{user['Id']}",
            "asserted_user": True,
            "user_id": user["Id"],
            "organization_id": org.org_id,
            "username": user["Username"],
            "nick_name": str(user["Username"]).split("@")[0],
            "display_name": user["Name"],
            "email": user["Email"],
            "first_name": user["FirstName"],
            "last_name": user["LastName"],
            "active": user["IsActive"],
            "user_type": "STANDARD",
            "urls": _urls(base_url, org, user),
        }
    )


def _urls(base_url: str, org: Org, user: Record) -> dict[str, Any]:
    return {
        "rest": f"{base_url}/services/data/v{{version}}/",
        "sobjects": f"{base_url}/services/data/v{{version}}/sobjects/",
        "query": f"{base_url}/services/data/v{{version}}/query/",
        "profile": f"{base_url}/{user['Id']}",
    }
