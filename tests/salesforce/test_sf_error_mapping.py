"""Every HTTP status and transport failure maps to the documented exception."""

from __future__ import annotations

import httpx2
import pytest
from sf_fakes import Scripted, make_client, sf_error, sf_json

from baton.salesforce.errors import (
    AuthExpired,
    DuplicateValue,
    Permanent,
    RateLimited,
    SalesforceError,
    Transient,
)
from baton.salesforce.errors import parse_duplicate_id as parse_id
from baton.salesforce.rest import SalesforceRestClient

pytestmark = pytest.mark.anyio

RECORD_ID = "500000000000001AAA"
DUPLICATE = "duplicate value found: {field} duplicates value on record with id: {id}"


async def _write(client: SalesforceRestClient) -> None:
    await client.update("Case", RECORD_ID, {"Subject": "x"})


async def _read(client: SalesforceRestClient) -> None:
    await client.get("Case", RECORD_ID)


@pytest.mark.parametrize(
    ("response", "expected", "code"),
    [
        (
            sf_error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
            RateLimited,
            "REQUEST_LIMIT_EXCEEDED",
        ),
        (sf_json(429, {"message": "Too many requests"}), RateLimited, None),
        (sf_error(403, "INSUFFICIENT_ACCESS", "no access"), Permanent, "INSUFFICIENT_ACCESS"),
        (sf_error(404, "NOT_FOUND", "The requested resource does not exist"), Permanent, "NOT_FOUND"),
        (
            sf_error(400, "STRING_TOO_LONG", "Subject: data value too large", ["Subject"]),
            Permanent,
            "STRING_TOO_LONG",
        ),
        (
            sf_error(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "nope"),
            Permanent,
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        ),
        (
            sf_error(400, "DUPLICATE_VALUE", DUPLICATE.format(field="X__c", id="500000000000002")),
            DuplicateValue,
            "DUPLICATE_VALUE",
        ),
        (sf_error(500, "UNKNOWN_EXCEPTION", "An unexpected error occurred"), Transient, "UNKNOWN_EXCEPTION"),
        (sf_error(503, "SERVER_UNAVAILABLE", "Server unavailable"), Transient, "SERVER_UNAVAILABLE"),
        (httpx2.Response(502, text="<html>Bad Gateway</html>"), Transient, None),
        (httpx2.Response(415, text="unsupported"), Permanent, None),
    ],
)
async def test_status_mapping(
    response: httpx2.Response, expected: type[SalesforceError], code: str | None
) -> None:
    client, http = make_client(Scripted(response))
    async with http:
        with pytest.raises(expected) as info:
            await _write(client)
    assert type(info.value) is expected
    assert info.value.status == response.status_code
    assert info.value.error_code == code


async def test_error_attributes_carry_salesforce_body() -> None:
    client, http = make_client(
        Scripted(sf_error(400, "STRING_TOO_LONG", "Subject: data value too large", ["Subject"]))
    )
    async with http:
        with pytest.raises(Permanent) as info:
            await _write(client)
    error = info.value
    assert error.body == [
        {"message": "Subject: data value too large", "errorCode": "STRING_TOO_LONG", "fields": ["Subject"]}
    ]
    assert "Subject: data value too large" in error.message
    assert "HTTP 400" in str(error) and "STRING_TOO_LONG" in str(error)


async def test_401_alone_is_auth_expired_after_replay() -> None:
    client, http = make_client(
        Scripted(sf_error(401, "INVALID_SESSION_ID", "x"), sf_error(401, "INVALID_SESSION_ID", "x"))
    )
    async with http:
        with pytest.raises(AuthExpired):
            await _read(client)


@pytest.mark.parametrize(
    ("status", "write", "ambiguous"),
    [(502, True, True), (504, True, True), (502, False, False), (500, True, False), (503, True, False)],
)
async def test_5xx_ambiguity(status: int, write: bool, ambiguous: bool) -> None:
    client, http = make_client(Scripted(httpx2.Response(status)))
    async with http:
        with pytest.raises(Transient) as info:
            await (_write(client) if write else _read(client))
    assert info.value.ambiguous is ambiguous


def _request() -> httpx2.Request:
    return httpx2.Request("PATCH", "https://acme.my.salesforce.com/x")


@pytest.mark.parametrize(
    ("exc_type", "write", "ambiguous"),
    [
        (httpx2.ConnectError, True, False),
        (httpx2.ConnectTimeout, True, False),
        (httpx2.PoolTimeout, True, False),
        (httpx2.ReadTimeout, True, True),
        (httpx2.ReadError, True, True),
        (httpx2.RemoteProtocolError, True, True),
        (httpx2.WriteError, True, True),
        (httpx2.ReadTimeout, False, False),
        (httpx2.RemoteProtocolError, False, False),
        (httpx2.ReadError, False, False),
        (httpx2.ConnectError, False, False),
    ],
)
async def test_transport_failures_are_transient(
    exc_type: type[httpx2.TransportError], write: bool, ambiguous: bool
) -> None:
    exc = exc_type("boom https://user:hunter2@proxy.example", request=_request())
    client, http = make_client(Scripted(exc))
    async with http:
        with pytest.raises(Transient) as info:
            await (_write(client) if write else _read(client))
    assert info.value.ambiguous is ambiguous
    assert info.value.status is None
    assert info.value.error_code == exc_type.__name__
    # Transport messages can carry proxy credentials: only the class name is kept.
    assert "hunter2" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


async def test_unreadable_success_body_on_write_is_ambiguous() -> None:
    client, http = make_client(Scripted(httpx2.Response(201, text="<html>maintenance</html>")))
    async with http:
        with pytest.raises(Transient) as info:
            await client.create("Case", {})
    assert info.value.ambiguous is True


async def test_no_secret_in_messages_or_reprs() -> None:
    client, http = make_client(Scripted(sf_error(400, "INVALID_FIELD", "No such column 'Foo'")))
    async with http:
        with pytest.raises(Permanent) as info:
            await _write(client)
    for text in (str(info.value), repr(info.value), info.value.message):
        assert "token-0" not in text and "Bearer" not in text


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (DUPLICATE.format(field="OpenCX_Session_Id__c", id="500Hn00001abcDE"), "500Hn00001abcDE"),
        (DUPLICATE.format(field="X__c", id="500Hn00001abcDEFGH"), "500Hn00001abcDEFGH"),
        (DUPLICATE.format(field="<unknown>", id="<unknown>"), None),
        ("something else", None),
    ],
)
def test_duplicate_id_parsing(message: str, expected: str | None) -> None:
    assert parse_id(message) == expected
    assert DuplicateValue(message).existing_id == expected
