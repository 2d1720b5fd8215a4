"""`GET /metrics`: Prometheus's text format (see service/metrics.py for what it holds).

Like the probes, not behind HAKB_API_KEYS and not rate limited: a scraper calls it every
few seconds from inside the network. It holds counts and the build id, no questions,
answers or keys; keep it off the public side of the reverse proxy as /readyz is.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from hakb.service.api import examples
from hakb.service.metrics import render

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics: requests, answers by kind, Slack replies, the build served",
    response_class=Response,
    responses={
        200: {
            "content": {"text/plain": {"example": examples.METRICS}},
            "description": "Prometheus text exposition format",
        }
    },
)
def prometheus_metrics(request: Request) -> Response:
    body, content_type = render(request.app.state.holder, getattr(request.app.state, "shared", None))
    return Response(body, media_type=content_type)
