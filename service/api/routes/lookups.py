"""Deterministic lookups straight from the facts table: no ranking, no guessing.

Lists come a page at a time (`limit`, `cursor`; hakb.service.api.paging) and every
lookup carries the build's ETag (304 on a matching If-None-Match)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hakb.errors import NotFound
from hakb.ingest import lexicon
from hakb.ingest.models import Fact
from hakb.service.api import examples
from hakb.service.api.deps import EngineDep
from hakb.service.api.paging import (
    LOOKUP_HEADERS,
    NOT_MODIFIED,
    PAGE_HEADERS,
    PAGE_RESPONSES,
    CursorParam,
    cursor_tag,
    link_next,
    not_modified,
    page_of,
    read_cursor,
)
from hakb.service.api.schemas import ErrorResponse, FactsResponse, PlatformResponse, PortEntry, PortsResponse
from hakb.service.engine import Engine
from hakb.service.index import LoadedBuild

router = APIRouter(tags=["lookups"])

FACTS_PAGE, FACTS_MAX = 100, 1000
# The chat page lists every port in one call: a build documents a few dozen.
PORTS_PAGE, PORTS_MAX = 500, 1000


@router.get(
    "/v1/facts",
    operation_id="listFacts",
    response_model=FactsResponse,
    responses={
        200: {"headers": {**PAGE_HEADERS, **LOOKUP_HEADERS}, "content": examples.json(examples.FACTS)},
        **PAGE_RESPONSES,
        **NOT_MODIFIED,
    },
    summary="Facts, filtered by subject, attribute, platform, a page at a time",
)
def facts_page(
    engine: EngineDep,
    request: Request,
    response: Response,
    subject: Annotated[
        str | None, Query(max_length=60, description="HA1, HA2-backup, PA-3200 Series, ...", examples=["HA2"])
    ] = None,
    attribute: Annotated[
        str | None, Query(max_length=40, description="port, ethertype, layer, ...", examples=["ethertype"])
    ] = None,
    platform: Annotated[
        str | None,
        Query(max_length=40, description="A model or family; families answer for models", examples=["PA-3260"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=FACTS_MAX, description=f"facts per page (at most {FACTS_MAX})")] = FACTS_PAGE,
    cursor: CursorParam = None,
) -> FactsResponse | Response:
    """`count` is every fact that matches; `facts` holds this page of them, and
    `next_cursor` (null on the last page) is the `cursor` of the next."""
    build = engine.build
    if subject:
        subject = _canonical_subject(subject, build.facts.subjects)
    tag = cursor_tag("facts", build.build_id, subject, attribute, platform)
    # A stale cursor is a 409 even with the current ETag: checked before the 304.
    read_cursor(cursor, tag, "/v1/facts")
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    found = matching_facts(build, subject, attribute, platform)
    page, next_cursor = page_of(found, limit, cursor, tag, "/v1/facts")
    link_next(request, response, next_cursor, limit)
    return FactsResponse(count=len(found), facts=page, next_cursor=next_cursor)


def facts(
    engine: Engine, subject: str | None = None, attribute: str | None = None, platform: str | None = None
) -> FactsResponse:
    """Every fact that matches, in one body (the MCP tool's lookup; the route pages it)."""
    build = engine.build
    if subject:
        subject = _canonical_subject(subject, build.facts.subjects)
    found = matching_facts(build, subject, attribute, platform)
    return FactsResponse(count=len(found), facts=found)


def matching_facts(build: LoadedBuild, subject: str | None, attribute: str | None, platform: str | None) -> list[Fact]:
    return build.facts.query(subject=subject, attribute=attribute, platform=platform)


def _canonical_subject(subject: str, known: frozenset[str]) -> str:
    for name in known:
        if name.lower() == subject.strip().lower():
            return name
    links = lexicon.links_in(subject)
    return links[0] if len(links) == 1 else subject.strip()


@router.get(
    "/v1/ports",
    operation_id="listPorts",
    response_model=PortsResponse,
    responses={
        200: {"headers": {**PAGE_HEADERS, **LOOKUP_HEADERS}, "content": examples.json(examples.PORTS)},
        **PAGE_RESPONSES,
        **NOT_MODIFIED,
    },
    summary="Every port and protocol between HA peers, a page at a time",
)
def ports_page(
    engine: EngineDep,
    request: Request,
    response: Response,
    limit: Annotated[
        int, Query(ge=1, le=PORTS_MAX, description=f"rows per page (at most {PORTS_MAX}; {PORTS_PAGE} by default)")
    ] = PORTS_PAGE,
    cursor: CursorParam = None,
) -> PortsResponse | Response:
    """What to allow on a filtering device between HA peers: port, protocol, link,
    purpose and the sentence that says so. One row per (port, link, document).
    `count` is every row; the default page holds them all on any build seen so far."""
    build = engine.build
    tag = cursor_tag("ports", build.build_id)
    read_cursor(cursor, tag, "/v1/ports")  # a stale cursor is a 409, ETag or not
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    rows = port_rows(build)
    page, next_cursor = page_of(rows, limit, cursor, tag, "/v1/ports")
    link_next(request, response, next_cursor, limit)
    return PortsResponse(count=len(rows), ports=page, next_cursor=next_cursor)


def ports(engine: Engine) -> PortsResponse:
    """Every port row, in one body (the MCP tool's lookup; the route pages it)."""
    rows = port_rows(engine.build)
    return PortsResponse(count=len(rows), ports=rows)


def port_rows(build: LoadedBuild) -> list[PortEntry]:
    """One row per (port, link, document), by link and port number."""
    table = build.facts
    rows: list[PortEntry] = []
    seen: set[tuple[str, str, str]] = set()
    for f in table.facts:
        if f.attribute not in ("port", "ip-protocol"):
            continue
        key = (f.value, f.subject, f.doc_id)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            PortEntry(
                port=f.value,
                protocol=f.protocol or ("IP" if f.attribute == "ip-protocol" else None),
                link=f.subject,
                qualifier=f.qualifier,
                purpose=f.quote,
                source=f.citation,
                conflict=f.conflict,
            )
        )
    rows.sort(key=lambda r: (r.link, _port_key(r.port), r.source.title))
    return rows


def _port_key(port: str) -> int:
    # The first number: a range may be written with an en dash ("5404–5406").
    m = re.match(r"\d+", port)
    return int(m.group(0)) if m else 0


@router.get(
    "/v1/platforms/{model}",
    operation_id="getPlatform",
    response_model=PlatformResponse,
    responses={
        200: {"headers": LOOKUP_HEADERS, "content": examples.json(examples.PLATFORM)},
        404: {"model": ErrorResponse, "description": "A model the documents never name"},
        **NOT_MODIFIED,
    },
    summary="Every documented constraint that applies to a model, through its family",
)
def platform_route(model: str, engine: EngineDep, request: Request, response: Response) -> PlatformResponse | Response:
    build = engine.build
    found = platform_of(build, model)  # a model the documents never name is a 404, ETag or not
    if (cached := not_modified(request, response, build.build_id)) is not None:
        return cached
    return found


def platform(model: str, engine: Engine) -> PlatformResponse:
    """A model's family and constraints (the MCP tool's lookup); NotFound when unknown."""
    return platform_of(engine.build, model)


def platform_of(build: LoadedBuild, model: str) -> PlatformResponse:
    table = build.facts
    canon = lexicon.canonical_model(model)
    names = table.resolve(model) if canon else []
    if not names:
        raise NotFound(
            f"the documents say nothing about {model!r}; documented platforms: {', '.join(table.families())}",
            code="unknown_model",
            extra={"known": table.families()},
        )
    found = table.about_platforms(names)
    return PlatformResponse(model=canon or model, documented_as=names, count=len(found), facts=found)
