"""Errors in the shapes Salesforce puts on the wire.

REST errors are a JSON array of ``{"message", "errorCode", "fields"}``; OAuth
errors are ``{"error", "error_description"}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ErrorItem:
    error_code: str
    message: str
    fields: list[str] | None = field(default_factory=list)

    def as_rest(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            body["fields"] = list(self.fields)
        return body

    def as_collection(self) -> dict[str, Any]:
        # sObject Tree and sObject Collections name the code "statusCode".
        return {"statusCode": self.error_code, "message": self.message, "fields": list(self.fields or [])}


class ApiError(Exception):
    """A REST failure: an HTTP status and a Salesforce error item (``fields=None`` leaves "fields" out)."""

    def __init__(self, status: int, error_code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.status = status
        self.item = ErrorItem(error_code, message, fields)

    def body(self) -> list[dict[str, Any]]:
        return [self.item.as_rest()]


class OAuthError(Exception):
    """A token-endpoint failure: ``{"error", "error_description"}`` with a status (400 by default)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist", None)


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid", None)


def request_limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", None)


def json_parser_error(message: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", message, None)
