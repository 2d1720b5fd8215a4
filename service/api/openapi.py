"""The OpenAPI schema as clients and generators read it.

    install(app)   replaces `app.openapi` with a function that makes the schema once:

* every operation has a stable `operationId` (`listFacts`, not FastAPI's generated
  `facts_v1_facts_get`): the route's own `operation_id`, else its function name in
  camelCase, so a route added later gets a readable one without asking;
* every tag is described, in the order a reader meets them;
* every error response is `application/problem+json` (RFC 9457) with the one
  problem schema (`ErrorResponse`), FastAPI's own `HTTPValidationError` included;
* every operation that takes a JSON body documents the 400 a malformed one gets.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from hakb.errors import PROBLEM_MEDIA_TYPE

TAGS: list[dict[str, str]] = [
    {"name": "answers", "description": "Ask a question: a cited fact line, cited passages, or an honest abstain"},
    {"name": "search", "description": "Passages only, with their scores: retrieval without an answer"},
    {"name": "lookups", "description": "Facts, ports and platforms straight from the facts table (no ranking)"},
    {"name": "documents", "description": "The documents the current build serves"},
    {"name": "scopes", "description": "The products, deployments and PAN-OS versions the documents cover"},
    {"name": "changes", "description": "What changed between two PAN-OS versions, each side cited"},
    {"name": "checks", "description": "The connectivity checklist between HA peers, each flow cited"},
    {"name": "check", "description": "A pasted HA configuration checked against the documents"},
    {"name": "feedback", "description": "Votes on answers (reading them needs an admin key)"},
    {"name": "builds", "description": "The build served and its checked export, for replicas (an admin key when set)"},
    {"name": "health", "description": "Liveness and readiness probes (no key needed)"},
]

_PROBLEM_REF = {"$ref": "#/components/schemas/ErrorResponse"}
_MALFORMED = {
    "description": "The body is not JSON at all (`malformed_json`)",
    "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM_REF}},
}
_UNUSED = ("HTTPValidationError", "ValidationError")


def camel(name: str) -> str:
    """'list_feedback' -> 'listFeedback'."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def operation_id(route: APIRoute) -> str:
    """The route's own `operation_id`, else its function name in camelCase."""
    return route.operation_id or camel(route.name)


def install(app: FastAPI) -> None:
    """Call before the routers are included: they take the app's id function then."""
    app.router.generate_unique_id_function = operation_id

    def schema() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = schema  # type: ignore[method-assign]  # FastAPI's documented way to customise it


def build(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=TAGS,
    )
    for item in spec.get("paths", {}).values():
        for op in item.values():
            responses = op.setdefault("responses", {})
            for status, response in responses.items():
                if status[:1] in ("4", "5") and status != "503" or _is_problem(response):
                    _as_problem(response)
            if "requestBody" in op:
                responses.setdefault("400", _MALFORMED)
    schemas = spec.get("components", {}).get("schemas", {})
    for name in _UNUSED:
        schemas.pop(name, None)
    return spec


def _is_problem(response: dict[str, Any]) -> bool:
    content = response.get("content", {}).get("application/json", {})
    ref = content.get("schema", {}).get("$ref", "")
    return isinstance(ref, str) and ref.endswith(("/ErrorResponse", "/HTTPValidationError"))


def _as_problem(response: dict[str, Any]) -> None:
    """Error bodies are problem documents: one media type, one schema."""
    content = response.get("content")
    if not content or "application/json" not in content:
        return
    body = content.pop("application/json")
    schema = body.get("schema", {})
    if schema.get("$ref", "").endswith("/ErrorResponse") or schema.get("$ref", "").endswith("/HTTPValidationError"):
        body["schema"] = _PROBLEM_REF
    content[PROBLEM_MEDIA_TYPE] = body
