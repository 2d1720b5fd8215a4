"""hakb's one error tree, and the one table that says what each error means to a user.

    HakbError                 500 internal_error    exit 1   root: anything hakb raises on purpose
    ├── BadInput              422 invalid_request   exit 2   a question, argument or request body is unusable
    │   ├── NotFound          404 not_found         exit 2   no such model, file or route
    │   ├── MalformedBody     400 malformed_json    exit 2   a request body that is not JSON at all
    │   ├── StaleCursor       409 stale_cursor      exit 2   a page cursor of another build or other filters
    │   ├── RuledOut          422 ruled_out         exit 2   a deployment the documents rule out (HA3 in active/passive, ...)
    │   └── BadConfig         422 bad_config        exit 2   an HA configuration that cannot be read (line, column)
    │       └── HostileConfig 422 config_refused    exit 2   XML with a DTD, entities or external references
    ├── ConfigError           500 misconfigured     exit 2   the settings (environment) are inconsistent
    ├── Unauthorized          401 unauthorized      exit 2   missing or wrong API key (WWW-Authenticate: Bearer)
    │   └── BadSignature      401 unauthorized      exit 2   a Slack request whose signature does not check out
    ├── Forbidden             403 forbidden         exit 2   a valid key that may not do this (reading votes needs HAKB_ADMIN_KEYS)
    ├── RateLimited           429 rate_limited      exit 1   over HAKB_RATE_LIMIT (Retry-After)
    ├── PayloadTooLarge       413 too_large         exit 2   a request body over HAKB_MAX_BODY_BYTES
    ├── NotReady              503 not_ready         exit 2   no build is loaded: run `hakb ingest` first
    ├── Unavailable           503 unavailable       exit 1   a part the answers need is down (Retry-After: 5)
    │                                                        (the vector store, the embedding model, the engine)
    └── IngestFailed          500 ingest_failed     exit 1   a document could not be read, a build made or opened

Layers derive their own errors from these (`hakb.ingest.errors.IngestError` from
IngestFailed, `VectorStoreError` and `EmbedderError` from Unavailable, ...); an
error takes the row of its nearest ancestor in `PROBLEMS`, so a new subclass needs
no new row unless it means something else to a user.

`problem_for(exc)` looks the row up; `error_body` is the one JSON shape every error
response has: an RFC 9457 problem (`application/problem+json`: `type`, `title`,
`status`, `detail`, `instance`) that keeps hakb's own fields (`"error": <problem
type>, "message": ..., **extra`); `render(exc)` turns an exception into status,
headers and body. The API (hakb.service.api.errors) and the CLI (hakb.cli) use
nothing else.

This module imports nothing from hakb: every layer may import it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

# The CLI's exit codes (`hakb --help` and the README list them).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABSTAIN = 0, 1, 2, 3


class HakbError(Exception):
    """Root of every error hakb raises on purpose.

    `code` names a more specific problem type than the class's own (the JSON body's
    "error": "question_too_long" instead of "invalid_request"); `extra` adds fields
    to the JSON body; `headers` adds (or overrides) response headers."""

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        extra: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})

    @property
    def message(self) -> str:
        return str(self)


class BadInput(HakbError):
    """A question, argument or request body that cannot be used as it is."""


class NotFound(BadInput):
    """What was asked for does not exist (a platform the documents never name, a file)."""


class MalformedBody(BadInput):
    """A request body that cannot be parsed as JSON at all (400, not 422: nothing in it
    could be checked)."""


class StaleCursor(BadInput):
    """A well-formed page cursor that belongs to another build or to other filters: the
    list it pointed into is gone, so the client starts again from the first page."""


class RuledOut(BadInput):
    """A combination the documents rule out (HA3 in active/passive, HSCI on a platform
    without one, an HA2 transport no document names); `extra["rules"]` cites the rule."""


class BadConfig(BadInput):
    """A pasted HA configuration that cannot be read (malformed XML: `extra` has its line
    and column; no high-availability section; text that is no `show high-availability all`)."""


class HostileConfig(BadConfig):
    """XML with a document type, entities or external references: refused unread."""


class ConfigError(HakbError):
    """The settings contradict each other or cannot be read."""


class Unauthorized(HakbError):
    """A /v1 call without one of the keys in HAKB_API_KEYS."""


class BadSignature(Unauthorized):
    """A Slack request whose signature or timestamp does not check out."""


class Forbidden(HakbError):
    """A caller that may use /v1 but not this (reading votes without an admin key)."""


class RateLimited(HakbError):
    """Over the per-client request rate (HAKB_RATE_LIMIT)."""


class PayloadTooLarge(HakbError):
    """A request body over HAKB_MAX_BODY_BYTES."""


class NotReady(HakbError):
    """No usable build is loaded; the message says why."""


class Unavailable(HakbError):
    """A part that answers need is down for now (Chroma, the model); trying again may work."""


class IngestFailed(HakbError):
    """A document could not be read, or a build could not be made or opened."""


@dataclass(frozen=True)
class Problem:
    """What an error means outside the process."""

    status: int  # HTTP status
    type: str  # the JSON body's "error": a stable slug clients may branch on
    exit_code: int  # the CLI's exit status
    headers: Mapping[str, str] = field(default_factory=dict)
    public: bool = True  # False: the client sees a generic message, the log the real one


GENERIC_MESSAGE = "something went wrong on our side; it was logged"

# The one table. Order does not matter: an error takes its nearest ancestor's row.
PROBLEMS: dict[type[BaseException], Problem] = {
    HakbError: Problem(500, "internal_error", EXIT_FAILED, public=False),
    BadInput: Problem(422, "invalid_request", EXIT_USAGE),
    NotFound: Problem(404, "not_found", EXIT_USAGE),
    MalformedBody: Problem(400, "malformed_json", EXIT_USAGE),
    StaleCursor: Problem(409, "stale_cursor", EXIT_USAGE),
    RuledOut: Problem(422, "ruled_out", EXIT_USAGE),
    BadConfig: Problem(422, "bad_config", EXIT_USAGE),
    HostileConfig: Problem(422, "config_refused", EXIT_USAGE),
    ConfigError: Problem(500, "misconfigured", EXIT_USAGE, public=False),
    Unauthorized: Problem(401, "unauthorized", EXIT_USAGE, {"WWW-Authenticate": "Bearer"}),
    BadSignature: Problem(401, "unauthorized", EXIT_USAGE),
    Forbidden: Problem(403, "forbidden", EXIT_USAGE),
    RateLimited: Problem(429, "rate_limited", EXIT_FAILED),
    PayloadTooLarge: Problem(413, "too_large", EXIT_USAGE),
    NotReady: Problem(503, "not_ready", EXIT_USAGE),
    Unavailable: Problem(503, "unavailable", EXIT_FAILED, {"Retry-After": "5"}),
    IngestFailed: Problem(500, "ingest_failed", EXIT_FAILED, public=False),
}


def problem_for(exc: BaseException) -> Problem:
    """The row of the nearest class in `PROBLEMS`; anything outside the tree is an
    internal error."""
    for cls in type(exc).__mro__:
        problem = PROBLEMS.get(cls)
        if problem is not None:
            return problem
    return PROBLEMS[HakbError]


# RFC 9457: every error body is a problem document of this media type.
PROBLEM_MEDIA_TYPE = "application/problem+json"
# A problem's `type` URI: a name, not a page to fetch (RFC 9457 allows a non-resolvable URI).
PROBLEM_TYPE_PREFIX = "urn:hakb:problem:"
# The RFC's members; hakb's own (`error`, `message`, extras) may not take their names.
_RFC_MEMBERS = ("type", "title", "status", "detail", "instance")


# Titles that capitalising the slug would get wrong.
_TITLES = {"malformed_json": "Malformed JSON"}


def problem_title(error: str) -> str:
    """The RFC's `title`, the same for every occurrence of a problem type:
    'question_too_long' -> 'Question too long'."""
    return _TITLES.get(error) or error.replace("_", " ").capitalize()


def error_body(
    error: str,
    message: str,
    *,
    status: int = 500,
    instance: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The one shape of every error response: an RFC 9457 problem (`type`, `title`,
    `status`, `detail`, `instance`) with hakb's fields (`error`, `message`, extras such
    as `known` or `errors`) beside them. An extra that would shadow an RFC member is
    dropped: the RFC's meaning wins."""
    body: dict[str, object] = {
        "type": PROBLEM_TYPE_PREFIX + error,
        "title": problem_title(error),
        "status": status,
        "detail": message,
    }
    if instance:
        body["instance"] = instance
    body.update({"error": error, "message": message})
    body.update((k, v) for k, v in (extra or {}).items() if k not in _RFC_MEMBERS)
    return body


@dataclass(frozen=True)
class Rendered:
    status: int
    headers: dict[str, str]
    body: dict[str, object]
    media_type: str = PROBLEM_MEDIA_TYPE

    def json_bytes(self) -> bytes:
        return json.dumps(self.body).encode()


def render(exc: BaseException, instance: str | None = None) -> Rendered:
    """Status, headers and problem body for `exc`, from its row in `PROBLEMS`;
    `instance` is what the problem occurred on (the request path)."""
    problem = problem_for(exc)
    if isinstance(exc, HakbError):
        message = exc.message if problem.public else GENERIC_MESSAGE
        body = error_body(exc.code or problem.type, message, status=problem.status, instance=instance, extra=exc.extra)
        headers = {**problem.headers, **exc.headers}
    else:
        body = error_body(problem.type, GENERIC_MESSAGE, status=problem.status, instance=instance)
        headers = dict(problem.headers)
    return Rendered(problem.status, headers, body)


def exit_code(exc: BaseException) -> int:
    return problem_for(exc).exit_code
