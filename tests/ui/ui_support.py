"""Helpers for the UI tests: seeding orgs, keys and sessions, and signing in over HTTP."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx2
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from baton.api.keys import PREFIX_LENGTH, create_api_key
from baton.conversations.service import (
    add_message,
    create_organization,
    create_session,
    get_or_create_contact,
    record_event,
)
from baton.services import Services
from baton.store.models import ApiKey, Session
from baton.ui import routes as ui

SECRET_KEY = "ui-test-secret-key-0123456789abcdef"

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def mount_ui(app: FastAPI) -> FastAPI:
    """What app.py does in production: the router and the static files."""
    app.include_router(ui.router)
    app.mount("/ui/static", StaticFiles(directory=ui.STATIC_DIR), name="ui-static")
    return app


@dataclass
class Org:
    id: str
    name: str
    api_key: str
    key_id: str


@dataclass
class UiApp:
    app: FastAPI
    services: Services
    acme: Org
    globex: Org


async def make_org(factory: async_sessionmaker[AsyncSession], name: str) -> Org:
    async with factory() as db, db.begin():
        org = await create_organization(db, name)
        token = await create_api_key(db, org.id, name=f"{name} key")
        await db.flush()
        key = (await db.execute(select(ApiKey).where(ApiKey.prefix == token[:PREFIX_LENGTH]))).scalar_one()
        return Org(id=org.id, name=name, api_key=token, key_id=key.id)


async def make_session(
    factory: async_sessionmaker[AsyncSession],
    org_id: str,
    *,
    email: str,
    name: str | None = None,
    channel: str = "email",
    subject: str | None = None,
    messages: list[tuple[str, str]] | None = None,
    **fields: Any,
) -> Session:
    """A session with its contact and messages; extra keyword arguments set Session columns."""
    async with factory() as db, db.begin():
        contact = await get_or_create_contact(db, org_id, email=email, name=name)
        session = await create_session(db, org_id, contact, channel=channel, subject=subject)
        for role, text in messages or []:
            author = name if role == "customer" else None
            await add_message(db, session, role=role, text=text, author_name=author)
        for column, value in fields.items():
            setattr(session, column, value)
        return session


async def add_event(
    factory: async_sessionmaker[AsyncSession], session_id: str, type_: str, data: dict[str, Any]
) -> None:
    async with factory() as db, db.begin():
        session = await db.get(Session, session_id)
        assert session is not None
        await record_event(db, session, type_, data)


def csrf_from(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def sign_in(client: httpx2.AsyncClient, api_key: str, next_path: str | None = None) -> httpx2.Response:
    form_page = await client.get("/ui/login")
    assert form_page.status_code == 200
    data = {"api_key": api_key, "csrf_token": csrf_from(form_page.text)}
    if next_path:
        data["next"] = next_path
    return await client.post("/ui/login", data=data)
