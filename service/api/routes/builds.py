"""Builds for replicas: `GET /v1/builds/current` says which build this instance serves and
where its export is; `GET /v1/builds/{build_id}/export` streams that export (a tar of the
sealed build with every file's checksum, as `hakb builds export` writes it). A replica with
HAKB_PRIMARY_URL polls the first and fetches the second (hakb.service.replica).

A build is the whole of what the service answers from: with HAKB_ADMIN_KEYS set, both need
an admin key, as reading votes does; otherwise they sit behind HAKB_API_KEYS as the rest of
/v1 does (open when there are none)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from hakb.errors import Forbidden, NotFound, Unauthorized
from hakb.ingest import builds
from hakb.service.api import examples
from hakb.service.api.deps import EngineDep, SettingsDep, matching_key
from hakb.service.api.schemas import ErrorResponse

_bearer = HTTPBearer(auto_error=False, description="One of HAKB_ADMIN_KEYS, when set")
TAR_MEDIA_TYPE = "application/x-tar"
BUILD_ID_HEADER = "X-Hakb-Build-Id"


def require_build_reader(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> None:
    """With HAKB_ADMIN_KEYS set, an admin key; else the router's HAKB_API_KEYS check is all."""
    admin = settings.admin_key_list
    if not admin:
        return
    given = credentials.credentials if credentials else ""
    if matching_key(given, admin) is None:
        if matching_key(given, settings.api_key_list) is not None:
            raise Forbidden("this key may not read builds: send one of HAKB_ADMIN_KEYS")
        raise Unauthorized("missing or wrong admin key: send Authorization: Bearer <admin key>")


router = APIRouter(tags=["builds"], dependencies=[Depends(require_build_reader)])

_KEY_RESPONSES: dict[int | str, dict[str, object]] = {
    403: {"model": ErrorResponse, "description": "HAKB_ADMIN_KEYS is set and this key is not one of them"},
}


class BuildInfo(BaseModel):
    build_id: str = Field(description="the build this instance serves")
    created_at: str
    embedder: str = Field(description="the model its passages were embedded with; a replica must use the same")
    documents: int
    facts: int
    chunks: int
    export: str = Field(description="where its export (a tar with every file's checksum) is fetched from")


_EXAMPLE_ID = "b20261201T080000000000-4242"
BUILD_EXAMPLE = {
    "build_id": _EXAMPLE_ID,
    "created_at": "2026-12-01T08:00:00+00:00",
    "embedder": "all-MiniLM-L6-v2-onnx-int8@8199be6f699a+q8ap",
    "documents": 65,
    "facts": 1753,
    "chunks": 1262,
    "export": f"/v1/builds/{_EXAMPLE_ID}/export",
}


@router.get(
    "/v1/builds/current",
    operation_id="currentBuild",
    response_model=BuildInfo,
    responses={200: {"content": examples.json(BUILD_EXAMPLE)}, **_KEY_RESPONSES},
    summary="The build this instance serves, and where to fetch its export (for replicas)",
)
def current_build(engine: EngineDep) -> BuildInfo:
    build = engine.build  # 503 until one is loaded
    manifest = build.manifest
    return BuildInfo(
        build_id=build.build_id,
        created_at=manifest.created_at,
        embedder=manifest.embedder,
        documents=len(manifest.documents),
        facts=len(build.facts),
        chunks=len(build.chunks),
        export=f"/v1/builds/{build.build_id}/export",
    )


@router.get(
    "/v1/builds/{build_id}/export",
    operation_id="exportBuild",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {TAR_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {BUILD_ID_HEADER: {"description": "the build's id", "schema": {"type": "string"}}},
            "description": "A tar of the sealed build: checksums.json first, then every file it lists",
        },
        404: {"model": ErrorResponse, "description": "No sealed build of that id is kept here"},
        **_KEY_RESPONSES,
    },
    summary="A sealed build as a tar with every file's checksum (what `hakb builds import` installs)",
)
def export_build(
    settings: SettingsDep,
    build_id: Annotated[str, Path(max_length=100, description="a build id from GET /v1/builds/current")],
) -> StreamingResponse:
    index_dir = settings.index_dir
    if build_id not in builds.finished_builds(index_dir):
        raise NotFound(f"no sealed build {build_id!r} here; GET /v1/builds/current names the one served")
    # Written whole to a temporary file first: checksums are taken over the sealed files, and
    # a build that ingest's cleanup removes meanwhile fails here, not half-way through a body.
    spool = tempfile.TemporaryFile(prefix="hakb-export-")
    try:
        builds.export_build(index_dir, build_id, spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    headers = {
        BUILD_ID_HEADER: build_id,
        "Content-Length": str(size),
        "Content-Disposition": f'attachment; filename="hakb-build-{build_id}.tar"',
    }
    return StreamingResponse(_chunks(spool), media_type=TAR_MEDIA_TYPE, headers=headers)


def _chunks(spool: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    try:
        while block := spool.read(size):
            yield block
    finally:
        spool.close()
