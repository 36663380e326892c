"""Delivering the Apex callouts: one signed POST per Queueable, one attempt, logged.

Apex Queueables run after the transaction commits and do not retry, so neither
does this: a failure is recorded in the org's webhook log and that is all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx2

from salesforce_emulator.apex import NAMED_CREDENTIAL
from salesforce_emulator.state import Org
from salesforce_emulator.values import format_iso_utc

logger = logging.getLogger(__name__)

# Apex's default callout timeout.
CALLOUT_TIMEOUT_SECONDS = 10.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


@dataclass
class _Job:
    job_id: int
    org: Org
    events: list[dict[str, Any]]


class WebhookDispatcher:
    """A queue of Queueable jobs and the single worker task that runs them in order."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._job_ids = itertools.count(1)
        self._client: httpx2.AsyncClient | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._client = httpx2.AsyncClient(timeout=CALLOUT_TIMEOUT_SECONDS)
        self._worker = asyncio.create_task(self._run(), name="salesforce-emulator-queueables")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._client is not None:
            await self._client.aclose()

    def enqueue(self, org: Org, events: list[dict[str, Any]]) -> None:
        if not events:
            return
        job = _Job(next(self._job_ids), org, events)
        if self._queue is None:
            # Not started (e.g. an app driven without lifespan): record that nothing ran.
            self._log(job, None, "queueable worker is not running", None)
            return
        self._queue.put_nowait(job)

    async def wait_idle(self) -> None:
        if self._queue is not None:
            await self._queue.join()

    async def _run(self) -> None:
        assert self._queue is not None
        while True:
            job = await self._queue.get()
            try:
                await self._deliver(job)
            except Exception:  # a broken job must not stop later ones
                logger.exception("queueable %s failed", job.job_id)
            finally:
                self._queue.task_done()

    async def _deliver(self, job: _Job) -> None:
        org = job.org
        credential = org.named_credentials.get(NAMED_CREDENTIAL)
        payload = {"events": job.events}
        if credential is None:
            self._log(
                job,
                None,
                f"System.CalloutException: Unable to find named credential {NAMED_CREDENTIAL}",
                None,
            )
            return
        if org.faults.draw(org.faults.drop_webhook_rate):
            self._log(job, None, "dropped by fault injection", credential.url)
            return
        body = json.dumps(payload, separators=(",", ":")).encode()
        timestamp = str(int(org.clock.now().timestamp()))
        headers = {
            "Content-Type": "application/json",
            "X-Baton-Timestamp": timestamp,
            "X-Baton-Signature": sign(credential.secret, timestamp, body),
        }
        assert self._client is not None
        try:
            response = await self._client.post(credential.url, content=body, headers=headers)
        except httpx2.HTTPError as exc:
            self._log(job, None, f"System.CalloutException: {type(exc).__name__}: {exc}", credential.url)
            return
        error = None if response.is_success else f"HTTP {response.status_code}"
        self._log(job, response.status_code, error, credential.url)

    def _log(self, job: _Job, status: int | None, error: str | None, url: str | None) -> None:
        job.org.webhook_log.append(
            {
                "job_id": job.job_id,
                "url": url,
                "payload": {"events": job.events},
                "status_code": status,
                "error": error,
                "attempted_at": format_iso_utc(job.org.clock.now()),
            }
        )
        if error:
            logger.warning("queueable %s callout failed: %s", job.job_id, error)
