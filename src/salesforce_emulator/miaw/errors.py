"""The one error the emulator's handlers raise; rendered as ``{"message": ...}``."""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP error with a JSON body ``{"message": message}``."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
