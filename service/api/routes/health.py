from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from hakb.service.api import examples
from hakb.service.api.errors import public_reason
from hakb.service.api.schemas import ReadyResponse
from hakb.service.index import NotReady

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    operation_id="healthz",
    summary="The process is up",
    responses={200: {"content": examples.json({"status": "ok"})}},
)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    response_model=ReadyResponse,
    responses={
        200: {"content": examples.json(examples.READY)},
        503: {"model": ReadyResponse, "description": "No build is loaded yet; `reason` says why"},
    },
    summary="A build is loaded",
)
def readyz(request: Request) -> JSONResponse:
    holder = request.app.state.holder
    try:
        build = holder.current
    except NotReady as exc:
        reason = public_reason(str(exc), request.app.state.settings.data_dir)
        body = ReadyResponse(status="not ready", reason=reason)
        return JSONResponse(body.model_dump(), status_code=503)
    body = ReadyResponse(
        # Degraded: facts answer, passages do not (a Chroma server is down). Still 200, so
        # the instance stays in rotation; /metrics shows hakb_passages_available 0.
        status="ready" if build.vectors is not None else "degraded",
        build_id=build.build_id,
        documents=len(build.manifest.documents),
        facts=len(build.facts),
        chunks=len(build.chunks),
        passages="ok"
        if build.vectors is not None
        else public_reason(build.vector_error or "unavailable", request.app.state.settings.data_dir),
    )
    return JSONResponse(body.model_dump())
