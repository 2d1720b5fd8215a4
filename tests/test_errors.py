"""One error tree (hakb.errors): every error hakb raises on purpose is a HakbError, and
its row in the one table gives the HTTP status, the problem type and the CLI exit code."""

from __future__ import annotations

import importlib
import inspect
import json

import pytest

from hakb.errors import (
    EXIT_FAILED,
    EXIT_USAGE,
    GENERIC_MESSAGE,
    PROBLEMS,
    BadInput,
    ConfigError,
    HakbError,
    IngestFailed,
    NotFound,
    NotReady,
    Unauthorized,
    Unavailable,
    exit_code,
    problem_for,
    render,
)
from tests.test_import_graph import MODULES

# Errors that are not in the tree yet, with where they should go (their files are being
# rewritten by their owners; remove a line once its class derives from the named base).
PENDING: dict[str, type] = {}
# Exceptions that never leave their module: control flow, not errors for a user.
PRIVATE: set[str] = set()


def _error_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in MODULES:
        if name.startswith("hakb.eval"):
            continue  # eval is not the product; its errors end in its own reports
        module = importlib.import_module(name)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == name:
                found[f"{name}.{obj.__qualname__}"] = obj
    return found


ERRORS = _error_classes()


def test_every_error_of_hakb_is_in_the_tree() -> None:
    outside = sorted(
        n for n, cls in ERRORS.items() if not issubclass(cls, HakbError) and n not in PENDING.keys() | PRIVATE
    )
    assert not outside, f"derive these from a class in hakb.errors: {outside}"


def test_pending_errors_are_still_pending() -> None:
    done = sorted(n for n, base in PENDING.items() if n in ERRORS and issubclass(ERRORS[n], base))
    assert not done, f"now in the tree, remove from PENDING: {done}"


@pytest.mark.parametrize(
    ("name", "status", "problem", "code"),
    [
        ("hakb.ingest.errors.IngestError", 500, "ingest_failed", EXIT_FAILED),
        ("hakb.ingest.builds.BuildError", 500, "ingest_failed", EXIT_FAILED),
        ("hakb.ingest.keyword.KeywordIndexError", 500, "ingest_failed", EXIT_FAILED),
        ("hakb.ingest.vectors.VectorStoreError", 503, "unavailable", EXIT_FAILED),
        ("hakb.ingest.embedder.EmbedderError", 503, "unavailable", EXIT_FAILED),
        ("hakb.service.slack.app.SlackConfigError", 500, "misconfigured", EXIT_USAGE),
    ],
)
def test_layer_errors_take_their_ancestors_row(name: str, status: int, problem: str, code: int) -> None:
    row = PROBLEMS[next(c for c in ERRORS[name].__mro__ if c in PROBLEMS)]
    assert (row.status, row.type, row.exit_code) == (status, problem, code)


def test_the_table_covers_the_tree() -> None:
    def subclasses(cls: type[HakbError]) -> set[type[HakbError]]:
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}

    in_hakb_errors = {c for c in subclasses(HakbError) if c.__module__ == "hakb.errors"}
    assert in_hakb_errors <= set(PROBLEMS), "every class of hakb.errors has its own row"


def test_render_uses_the_row_and_the_instance() -> None:
    rendered = render(NotFound("no such model", code="unknown_model", extra={"known": ["PA-3200"]}), "/v1/x")
    assert rendered.status == 404
    assert rendered.media_type == "application/problem+json"
    assert rendered.body == {
        # RFC 9457's members ...
        "type": "urn:hakb:problem:unknown_model",
        "title": "Unknown model",
        "status": 404,
        "detail": "no such model",
        "instance": "/v1/x",
        # ... and hakb's own, as before.
        "error": "unknown_model",
        "message": "no such model",
        "known": ["PA-3200"],
    }
    # An extra may not shadow an RFC member.
    assert render(BadInput("x", extra={"status": 1, "type": "y"})).body["status"] == 422
    assert json.loads(rendered.json_bytes()) == rendered.body

    assert render(Unauthorized("key?")).headers == {"WWW-Authenticate": "Bearer"}
    assert render(Unavailable("chroma down")).headers["Retry-After"] == "5"
    assert render(BadInput("x", headers={"X-A": "1"})).headers == {"X-A": "1"}


def test_internal_errors_keep_their_details_out_of_responses() -> None:
    for exc in (IngestFailed("/secret/path is damaged"), ConfigError("key=abc"), RuntimeError("boom")):
        rendered = render(exc)
        assert rendered.status == 500 and rendered.body["message"] == GENERIC_MESSAGE


def test_exit_codes() -> None:
    assert exit_code(BadInput("empty question")) == EXIT_USAGE
    assert exit_code(NotReady("no build")) == EXIT_USAGE
    assert exit_code(Unavailable("chroma down")) == EXIT_FAILED
    assert exit_code(ValueError("not ours")) == EXIT_FAILED
    assert problem_for(KeyError("x")) is PROBLEMS[HakbError]
