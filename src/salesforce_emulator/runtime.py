"""What a running emulator holds: its options, the current org and the Queueable worker."""

from __future__ import annotations

from dataclasses import dataclass, field

from salesforce_emulator.apex import webhook_events
from salesforce_emulator.clock import Clock
from salesforce_emulator.records import Transaction
from salesforce_emulator.state import ConnectedApp, Org
from salesforce_emulator.webhooks import WebhookDispatcher


@dataclass
class EmulatorOptions:
    """How to build an emulator.

    ``public_url`` is the base URL clients reach the org on (it becomes
    ``instance_url``); when None it is taken from each request's Host header.
    """

    public_url: str | None = None
    daily_api_limit: int = 15000
    access_token_lifetime_seconds: float = 7200.0
    apps: list[ConnectedApp] = field(default_factory=list)


class EmulatorRuntime:
    def __init__(self, options: EmulatorOptions) -> None:
        self.options = options
        self.clock = Clock()
        self.webhooks = WebhookDispatcher()
        self.org = self._new_org()

    def _new_org(self) -> Org:
        org = Org(
            clock=self.clock,
            daily_api_limit=self.options.daily_api_limit,
            access_token_lifetime_seconds=self.options.access_token_lifetime_seconds,
        )
        for app in self.options.apps:
            org.apps[app.client_id] = ConnectedApp(
                **{**app.__dict__, "callback_urls": list(app.callback_urls)}
            )
        return org

    def reset(self) -> None:
        """A fresh org as configured by the options: seed users and apps, nothing else."""
        self.clock.reset()
        self.org = self._new_org()

    def commit(self, txn: Transaction) -> None:
        """A transaction committed: run the Apex triggers, whose Queueable calls out later."""
        self.webhooks.enqueue(txn.org, webhook_events(txn.org, txn))

    def base_url(self, request_base_url: str) -> str:
        return (self.options.public_url or request_base_url).rstrip("/")
