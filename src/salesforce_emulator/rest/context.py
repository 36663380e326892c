"""What one REST operation runs with, and what it answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.errors import ApiError
from salesforce_emulator.records import Transaction
from salesforce_emulator.state import Org

NO_BODY: Any = object()
# API versions this org serves: Spring '24 (v60.0) to Summer '26 (v67.0).
SUPPORTED_VERSIONS = frozenset(f"v{n}.0" for n in range(60, 68))


@dataclass
class RestResult:
    status: int
    body: Any = NO_BODY
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_error(cls, error: ApiError) -> RestResult:
        return cls(error.status, error.body())


@dataclass
class RestContext:
    org: Org
    txn: Transaction
    version: str
    headers: Mapping[str, str]
    # Called with a transaction once it commits: the Apex triggers hook in here.
    on_commit: Callable[[Transaction], None]

    @property
    def api_base(self) -> str:
        return f"/services/data/{self.version}"

    def with_transaction(self, txn: Transaction) -> RestContext:
        return RestContext(self.org, txn, self.version, self.headers, self.on_commit)

    def new_transaction(self) -> Transaction:
        return Transaction(self.org, self.txn.user_id)
