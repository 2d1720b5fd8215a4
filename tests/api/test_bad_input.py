"""Bad requests get a JSON 4xx that names the problem: never a 500, never a traceback."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


def _check_error(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    # RFC 9457: a problem document, with hakb's own fields beside the RFC's.
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["error"] and body["message"]
    assert body["status"] == status and body["detail"] == body["message"]
    assert body["type"] == f"urn:hakb:problem:{body['error']}" and body["title"]
    for word in words:
        assert word.lower() in body["message"].lower(), body
    assert "Traceback" not in response.text
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize("question", ["", "   ", "\n\t "])
def test_empty_or_blank_question(live_server: str, question: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json={"question": question})
    _check_error(response, 422, "question", "empty")


def test_question_over_the_limit(live_server: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json={"question": "what port does ha1 use? " * 90})
    body = _check_error(response, 422, "2000")
    assert body["error"] == "question_too_long"


def test_question_at_the_limit_is_answered(live_server: str) -> None:
    question = ("what port does ha1 use?" + " " * 2000)[:2000]
    assert httpx.post(f"{live_server}/v1/ask", json={"question": question}, timeout=30).status_code == 200


@pytest.mark.parametrize(
    "body",
    ['{"question": "ha1 port?"', "question=ha1", '{"question": "ha1\u0000 port"', "[1, 2", "\xff\xfe"],
)
def test_malformed_json(live_server: str, body: str) -> None:
    response = httpx.post(
        f"{live_server}/v1/ask",
        content=body.encode("utf-8", "surrogatepass"),
        headers={"content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    _check_error(response, response.status_code)


def test_malformed_json_says_so(live_server: str) -> None:
    response = httpx.post(
        f"{live_server}/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"}
    )
    body = _check_error(response, 400, "not valid JSON")  # 400: nothing in it could be checked
    assert body["error"] == "malformed_json" and body["instance"] == "/v1/ask"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"question": 42}, "question"),
        ({"question": ["ha1", "port"]}, "question"),
        ({"question": None}, "question"),
        ({"question": "ha1 port?", "top_k": "five"}, "top_k"),
        ({"question": "ha1 port?", "top_k": 0}, "top_k"),
        ({"question": "ha1 port?", "top_k": 1000}, "top_k"),
        ({"question": "ha1 port?", "version": {"x": 1}}, "version"),
        ({}, "question"),
        ([], ""),
        ("ha1 port?", ""),
    ],
)
def test_wrong_types_and_missing_fields_name_the_field(live_server: str, payload: Any, field: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json=payload)
    _check_error(response, 422, field)


def test_extra_fields_are_refused_by_name(live_server: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json={"question": "ha1 port?", "temperature": 0.2})
    _check_error(response, 422, "temperature")


def test_oversized_body_is_refused_before_parsing(live_server: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json={"question": "x" * 200_000})
    _check_error(response, 413, "limit")


def test_wrong_method_and_unknown_path_are_json(live_server: str) -> None:
    _check_error(httpx.get(f"{live_server}/v1/ask"), 405)
    _check_error(httpx.get(f"{live_server}/v1/nothing-here"), 404)


@pytest.mark.parametrize("params", [{"subject": "x" * 500}, {"platform": "y" * 500}])
def test_overlong_filters_are_refused(live_server: str, params: dict[str, str]) -> None:
    _check_error(httpx.get(f"{live_server}/v1/facts", params=params), 422)


def test_server_still_answers_after_bad_input(live_server: str) -> None:
    response = httpx.post(f"{live_server}/v1/ask", json={"question": "what port does ha1 use?"}, timeout=30)
    assert response.status_code == 200 and "28769" in response.json()["answer"]
