"""Deterministic lookups straight from the facts table: no ranking, no guessing."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query

from hakb.errors import NotFound
from hakb.ingest import lexicon
from hakb.service.api.deps import EngineDep
from hakb.service.api.schemas import ErrorResponse, FactsResponse, PlatformResponse, PortEntry, PortsResponse

router = APIRouter(tags=["lookups"])


@router.get("/v1/facts", response_model=FactsResponse, summary="Facts, filtered by subject, attribute, platform")
def facts(
    engine: EngineDep,
    subject: Annotated[str | None, Query(max_length=60, description="HA1, HA2-backup, PA-3200 Series, ...")] = None,
    attribute: Annotated[str | None, Query(max_length=40, description="port, ethertype, layer, ...")] = None,
    platform: Annotated[
        str | None, Query(max_length=40, description="A model or family; families answer for models")
    ] = None,
) -> FactsResponse:
    table = engine.build.facts
    if subject:
        subject = _canonical_subject(subject, table.subjects)
    found = table.query(subject=subject, attribute=attribute, platform=platform)
    return FactsResponse(count=len(found), facts=found)


def _canonical_subject(subject: str, known: frozenset[str]) -> str:
    for name in known:
        if name.lower() == subject.strip().lower():
            return name
    links = lexicon.links_in(subject)
    return links[0] if len(links) == 1 else subject.strip()


@router.get("/v1/ports", response_model=PortsResponse, summary="Every port and protocol between HA peers")
def ports(engine: EngineDep) -> PortsResponse:
    """What to allow on a filtering device between HA peers: port, protocol, link,
    purpose and the sentence that says so. One row per (port, link, document)."""
    table = engine.build.facts
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
                source=f.citation(),
                conflict=f.conflict,
            )
        )
    rows.sort(key=lambda r: (r.link, _port_key(r.port), r.source.title))
    return PortsResponse(count=len(rows), ports=rows)


def _port_key(port: str) -> int:
    # The first number: a range may be written with an en dash ("5404–5406").
    m = re.match(r"\d+", port)
    return int(m.group(0)) if m else 0


@router.get(
    "/v1/platforms/{model}",
    response_model=PlatformResponse,
    responses={404: {"model": ErrorResponse}},
    summary="Every documented constraint that applies to a model, through its family",
)
def platform(model: str, engine: EngineDep) -> PlatformResponse:
    table = engine.build.facts
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
