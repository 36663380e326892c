"""SOQL errors, worded and positioned like Salesforce's."""

from __future__ import annotations


class SoqlError(Exception):
    """A query Salesforce would refuse: ``MALFORMED_QUERY``, ``INVALID_FIELD``, ``INVALID_TYPE``, …"""

    def __init__(self, error_code: str, detail: str, position: int | None = None) -> None:
        super().__init__(detail)
        self.error_code = error_code
        self.detail = detail
        self.position = position

    def message_for(self, query: str) -> str:
        """The message with Salesforce's caret pointer: ``ERROR at Row:1:Column:8``."""
        if self.position is None:
            return self.detail
        before = query[: self.position]
        row = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        column = self.position - line_start + 1
        line = query.splitlines()[row - 1] if query.splitlines() else ""
        return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{self.detail}"
