"""The org's knowledge sources: ``/api/v1/knowledge`` (add or replace, list, delete)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from baton.api.deps import CurrentOrg, DbSession
from baton.assistant.knowledge.store import Document, delete_source, list_sources, store_documents

router = APIRouter(prefix="/knowledge", tags=["knowledge"])

MAX_CONTENT_CHARS = 5_000_000
PAGE_DEFAULT = 50
PAGE_MAX = 200


class KnowledgeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        min_length=1, max_length=500, description="The document's name; the same name replaces it."
    )
    content: str = Field(min_length=1, max_length=MAX_CONTENT_CHARS)
    format: Literal["markdown", "html", "text"] = "markdown"

    @field_validator("source")
    @classmethod
    def _clean_source(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("source must not be blank")
        return value

    @field_validator("content")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("content must not be blank")
        return value


class KnowledgeStored(BaseModel):
    source: str
    format: str
    chunks: int
    changed: bool


class KnowledgeSourceOut(BaseModel):
    source: str
    format: str
    chunks: int
    created_at: datetime
    updated_at: datetime


class KnowledgePage(BaseModel):
    items: list[KnowledgeSourceOut]
    next: str | None


def _encode(name: str) -> str:
    return base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")


def _decode(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise HTTPException(status_code=422, detail="cursor: not a cursor returned by this API") from error


@router.post("", status_code=201, response_model=KnowledgeStored)
async def add_knowledge(body: KnowledgeCreate, org: CurrentOrg, db: DbSession) -> KnowledgeStored:
    """Add a document, or replace the chunks of the source with the same name."""
    [stored] = await store_documents(db, org.org_id, [Document(body.source, body.content, body.format)])
    await db.commit()
    return KnowledgeStored(
        source=stored.name, format=stored.format, chunks=stored.chunks, changed=stored.changed
    )


@router.get("", response_model=KnowledgePage)
async def list_knowledge(
    org: CurrentOrg,
    db: DbSession,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_DEFAULT,
) -> KnowledgePage:
    after = _decode(cursor) if cursor else None
    sources, more = await list_sources(db, org.org_id, after=after, limit=limit)
    items = [
        KnowledgeSourceOut(
            source=source.name,
            format=source.format,
            chunks=source.chunk_count,
            created_at=source.created_at,
            updated_at=source.updated_at,
        )
        for source in sources
    ]
    return KnowledgePage(items=items, next=_encode(sources[-1].name) if more and sources else None)


@router.delete("/{source:path}", status_code=204)
async def delete_knowledge(source: str, org: CurrentOrg, db: DbSession) -> Response:
    if not await delete_source(db, org.org_id, source):
        raise HTTPException(status_code=404, detail="knowledge source not found")
    await db.commit()
    return Response(status_code=204)
