"""A small typed client for a running hakb service (`hakb serve`), on httpx.

    with HakbClient("http://127.0.0.1:8000", api_key="...") as hakb:
        answer = hakb.ask("what port does ha1 use?", scope={"version": "11.1"})
        print(answer.answer, [c.quote for c in answer.citations])
        for fact in hakb.iter_facts(subject="HA2"):   # follows next_cursor page by page
            ...

Every method is one call of the HTTP API and returns its body as a typed object (the
engine's `Answer`, the `Fact`s and `Citation`s of a build); fields a newer server adds
are ignored. An error response (RFC 9457 problem) is raised as the hakb error of its
status, with the server's message, its `error` code and its extra fields
(`NotFound.extra["known"]`); a server that cannot be reached is `Unavailable`. The CLI's
`hakb ask --server URL` uses this client.

Light on purpose: it imports pydantic, httpx and the shapes in hakb.ingest.models and
hakb.service.models, never the engine, so asking a running service starts at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, Field

from hakb.errors import (
    BadInput,
    Forbidden,
    HakbError,
    MalformedBody,
    NotFound,
    NotReady,
    PayloadTooLarge,
    RateLimited,
    StaleCursor,
    Unauthorized,
    Unavailable,
)
from hakb.ingest.models import Citation, Fact, Scope
from hakb.service.models import Answer

__all__ = [
    "Answer",
    "DocumentsPage",
    "FactsPage",
    "HakbClient",
    "Passage",
    "Platform",
    "PortsPage",
    "Scopes",
    "SearchResult",
]

DEFAULT_TIMEOUT_S = 30.0


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a newer server may add fields


class FactsPage(_Body):
    count: int  # every fact that matches
    facts: list[Fact]  # this page
    next_cursor: str | None = None


class PortRow(_Body):
    port: str
    protocol: str | None
    link: str
    qualifier: str | None
    purpose: str
    source: Citation
    conflict: bool = False


class PortsPage(_Body):
    count: int
    ports: list[PortRow]
    next_cursor: str | None = None


class Platform(_Body):
    model: str
    documented_as: list[str]
    count: int
    facts: list[Fact]


class Passage(_Body):
    rank: int
    score: float
    dense: float
    keyword: float
    chunk_id: str
    doc_id: str
    title: str
    url: str | None
    section: str
    text: str
    version: str | None = None
    scope: Scope | None = None
    scope_label: str = ""


class SearchResult(_Body):
    query: str
    build_id: str
    scope: str | None = None
    count: int
    passages: list[Passage]
    uncovered: list[str] = Field(default_factory=list)  # what the scope names that no document covers
    covered: str | None = None


class Document(_Body):
    doc_id: str
    title: str
    url: str | None
    version: str | None = None
    kind: str
    scope: Scope | None = None
    scope_label: str = ""
    build_id: str
    facts: int
    chunks: int


class DocumentsPage(_Body):
    build_id: str
    count: int
    documents: list[Document]
    next_cursor: str | None = None


class ScopeOption(_Body):
    value: str
    label: str


class Scopes(_Body):
    build_id: str
    products: list[ScopeOption]
    deployments: list[ScopeOption]
    versions: list[ScopeOption]
    scopes: list[dict[str, Any]] = Field(default_factory=list)


# A problem's status -> the hakb error a caller catches (the nearest in hakb.errors).
_BY_STATUS: dict[int, type[HakbError]] = {
    400: MalformedBody,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: StaleCursor,
    413: PayloadTooLarge,
    422: BadInput,
    429: RateLimited,
}
_RFC_AND_OURS = frozenset({"type", "title", "status", "detail", "instance", "error", "message"})

M = TypeVar("M", bound=BaseModel)


def error_from(response: httpx.Response) -> HakbError:
    """The hakb error an error response stands for, with the server's words."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    message = str(body.get("message") or body.get("detail") or f"HTTP {response.status_code} from {response.url}")
    code = str(body["error"]) if body.get("error") else None
    extra = {k: v for k, v in body.items() if k not in _RFC_AND_OURS}
    headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
    if response.status_code == 503:
        cls: type[HakbError] = NotReady if code == "not_ready" else Unavailable
    else:
        cls = _BY_STATUS.get(response.status_code, HakbError)
    return cls(message, code=code, extra=extra, headers=headers)


class HakbClient:
    """One connection pool to one hakb service. Use it in a `with` block, or `close()` it."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    def __enter__(self) -> HakbClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- the API ---------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        scope: Mapping[str, str | None] | None = None,
        top_k: int | None = None,
        context: str | None = None,
    ) -> Answer:
        """POST /v1/ask. `scope`: product, deployment, version, platform (each optional)."""
        body: dict[str, Any] = {"question": question}
        chosen = {k: v for k, v in (scope or {}).items() if v}
        if chosen:
            body["scope"] = chosen
        if top_k is not None:
            body["top_k"] = top_k
        if context:
            body["context"] = context
        return self._call("POST", "/v1/ask", Answer, json=body)

    def facts(
        self,
        *,
        subject: str | None = None,
        attribute: str | None = None,
        platform: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> FactsPage:
        """GET /v1/facts: one page; `next_cursor` is the `cursor` of the next."""
        params = {"subject": subject, "attribute": attribute, "platform": platform, "limit": limit, "cursor": cursor}
        return self._call("GET", "/v1/facts", FactsPage, params=params)

    def iter_facts(
        self, *, subject: str | None = None, attribute: str | None = None, platform: str | None = None
    ) -> Iterator[Fact]:
        """Every fact that matches, page after page."""
        cursor = None
        while True:
            page = self.facts(subject=subject, attribute=attribute, platform=platform, limit=1000, cursor=cursor)
            yield from page.facts
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def ports(self, *, limit: int | None = None, cursor: str | None = None) -> PortsPage:
        """GET /v1/ports: every port and protocol between HA peers (one page holds them all by default)."""
        return self._call("GET", "/v1/ports", PortsPage, params={"limit": limit, "cursor": cursor})

    def platform(self, model: str) -> Platform:
        """GET /v1/platforms/{model}; NotFound (with `extra["known"]`) for a model the documents never name."""
        return self._call("GET", f"/v1/platforms/{quote(model, safe='')}", Platform)

    def search(
        self, query: str, *, limit: int | None = None, scope: Mapping[str, str | None] | None = None
    ) -> SearchResult:
        """GET /v1/search: passages only, best first, with their scores and scope; `scope`
        (product, deployment, version, platform) keeps to the passages it admits."""
        params: dict[str, Any] = {"q": query, "limit": limit, **(scope or {})}
        return self._call("GET", "/v1/search", SearchResult, params=params)

    def documents(self, *, limit: int | None = None, cursor: str | None = None) -> DocumentsPage:
        """GET /v1/documents: the documents of the current build, one page."""
        return self._call("GET", "/v1/documents", DocumentsPage, params={"limit": limit, "cursor": cursor})

    def scopes(self) -> Scopes:
        """GET /v1/scopes: the products, deployments and versions the documents cover."""
        return self._call("GET", "/v1/scopes", Scopes)

    # -- plumbing --------------------------------------------------------------

    def _call(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        if "params" in kwargs:
            kwargs["params"] = {k: v for k, v in kwargs["params"].items() if v is not None}
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise Unavailable(f"hakb at {self.base_url} did not answer in time ({exc.__class__.__name__})") from exc
        except httpx.HTTPError as exc:
            raise Unavailable(f"cannot reach hakb at {self.base_url}: {exc}") from exc
        if response.status_code >= 400:
            raise error_from(response)
        try:
            return model.model_validate(response.json())
        except ValueError as exc:
            raise Unavailable(f"{self.base_url}{path} did not answer with hakb's JSON: {exc}") from exc
