"""What an operator sees: /metrics scraped from `hakb serve --workers 2` (counters summed
over both workers), the X-Request-ID echoed and in the log lines of its request, and
JSON logs (HAKB_LOG_FORMAT=json) that parse line by line. The same server shows that its
two workers share one state (`state.sqlite3`): a Slack retry storm is answered once, and
the rate limit is one budget.

A new connection per request, so the kernel spreads them over both workers: a scrape
that saw only its own worker's counts would come up short (so would a worker's own claims
or buckets).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hakb.devserver import HakbServer
from tests.conftest import copy_data_dir, hakb_server, wait_until
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, FakeSlack, unique
from tests.slack.recorder import running_recorder
from tests.slack.test_bot import mention

# A minute, per client address: one token back every 7.5 s. Each test sends its /v1 calls from
# a loopback address of its own (a client with its own budget), at most RATE_LIMIT of them.
RATE_LIMIT = 8
FACT_Q = {"question": "what port does ha1 use?"}
ABSTAIN_Q = {"question": "what colour is the sky?"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def served(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HakbServer, FakeSlack]]:
    root = tmp_path_factory.mktemp("observed")
    with running_recorder() as recorder:
        env = {
            "HAKB_LOG_FORMAT": "json",
            "HAKB_RATE_LIMIT": str(RATE_LIMIT),
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": recorder.api_url,
        }
        with hakb_server(copy_data_dir(seed_data_dir, root / "data"), root / "server.log", env, workers=2) as server:
            yield server, FakeSlack(server.url, recorder)


def call(method: str, url: str, *, source: str, **kwargs: Any) -> httpx.Response:
    """One request on a new connection (the kernel picks a worker) from loopback address `source`."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60) as client:
        return client.request(method, url, **kwargs)


def scrape(url: str) -> Samples:
    response = httpx.get(f"{url}/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_metrics_count_every_workers_requests_and_answers(served: tuple[HakbServer, FakeSlack]) -> None:
    server, _ = served
    before = scrape(server.url)
    sent = [FACT_Q] * 4 + [ABSTAIN_Q] * 2 + [{"question": ""}]

    def ask(body: dict[str, str]) -> int:
        return call("POST", f"{server.url}/v1/ask", json=body, source="127.0.0.2").status_code

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(ask, sent))
    assert statuses == [200] * 6 + [422]
    assert call("GET", f"{server.url}/v1/platforms/PA-0000", source="127.0.0.2").status_code == 404
    after = scrape(server.url)

    requests = "hakb_http_requests_total"
    assert moved(before, after, requests, route="/v1/ask", method="POST", status="200") == 6
    assert moved(before, after, requests, route="/v1/ask", method="POST", status="422") == 1
    # By route template: a scan of random models adds no new series.
    assert moved(before, after, requests, route="/v1/platforms/{model}", method="GET", status="404") == 1
    assert moved(before, after, "hakb_http_request_duration_seconds_count", route="/v1/ask") == 7
    assert moved(before, after, "hakb_answers_total", kind="fact", channel="api") == 4
    assert moved(before, after, "hakb_answers_total", kind="abstain", channel="api") == 2
    assert moved(before, after, "hakb_answer_duration_seconds_count", kind="fact") == 4
    assert moved(before, after, "hakb_answer_duration_seconds_bucket", kind="abstain", le="+Inf") == 2

    answered = sum(v for (name, _), v in after.items() if name == "hakb_answers_total")
    abstained = sum(
        v for (name, labels), v in after.items() if name == "hakb_answers_total" and ("kind", "abstain") in labels
    )
    assert value(after, "hakb_abstain_ratio") == pytest.approx(abstained / answered)
    build_id = httpx.get(f"{server.url}/readyz", timeout=10).json()["build_id"]
    assert value(after, "hakb_build_info", build_id=build_id) == 1
    assert 0 <= value(after, "hakb_build_age_seconds") < 10 * 365 * 86400
    assert value(after, "hakb_ready") == 1 and value(after, "hakb_passages_available") == 1
    assert value(after, "hakb_shared_state_up", backend="sqlite") == 1


def test_metrics_count_slack_replies_and_the_duplicates_dropped(served: tuple[HakbServer, FakeSlack]) -> None:
    server, slack = served
    before = scrape(server.url)
    channel, event_id = unique("C"), unique("Ev")
    event = mention(channel, "what port does ha1 use?")
    body = json.dumps(slack.envelope(event, event_id))
    retries = [{}] + [{"x-slack-retry-num": str(n)} for n in (1, 2, 3, 1, 2)]
    with ThreadPoolExecutor(len(retries)) as pool:
        statuses = list(pool.map(lambda h: slack.post(body, "application/json", headers=h).status_code, retries))
    assert statuses == [200] * len(retries)
    assert len(slack.posts(channel)) == 1
    after = scrape(server.url)
    assert moved(before, after, "hakb_slack_replies_total", kind="fact") == 1
    assert moved(before, after, "hakb_slack_duplicates_suppressed_total") == len(retries) - 1
    assert moved(before, after, "hakb_answers_total", kind="fact", channel="slack") == 1


def _log_lines(server: HakbServer, found: Any, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """The log as JSON objects, once `found(lines)` holds (the access line is written
    just after the response leaves)."""

    def parsed() -> list[dict[str, Any]] | None:
        lines = [json.loads(line) for line in server.log().splitlines() if line.strip()]
        return lines if found(lines) else None

    return wait_until(parsed, timeout_s, "the request's lines in the log")


def test_a_request_id_is_echoed_and_in_every_log_line_of_its_request(served: tuple[HakbServer, FakeSlack]) -> None:
    server, _ = served
    given = "trace-42.a:B"
    response = call("POST", f"{server.url}/v1/ask", json=FACT_Q, headers={"X-Request-ID": given}, source="127.0.0.3")
    assert response.status_code == 200 and response.headers["x-request-id"] == given

    # No id, or one that is no id (spaces, too long): a fresh one is made and echoed.
    made = httpx.get(f"{server.url}/readyz", timeout=10).headers["x-request-id"]
    for bad in ("two words", "x" * 200, "<script>"):
        echoed = httpx.get(f"{server.url}/healthz", headers={"X-Request-ID": bad}, timeout=10).headers["x-request-id"]
        assert echoed != bad and len(echoed) == 32 and echoed != made

    # Every line of the log parses as JSON (HAKB_LOG_FORMAT=json), uvicorn's own lines too.
    lines = _log_lines(
        server, lambda ls: any(x.get("request_id") == given and x["logger"] == "hakb.access" for x in ls)
    )
    assert any(x["logger"].startswith("uvicorn") for x in lines)
    ours = [x for x in lines if x.get("request_id") == given]
    loggers = {x["logger"] for x in ours}
    assert {"hakb.access", "hakb.service.api.routes.ask"} <= loggers, loggers  # the engine's line and the access line
    ask_line = next(x for x in ours if x["logger"] == "hakb.service.api.routes.ask")
    assert "kind=fact" in ask_line["message"]
    access = next(x for x in ours if x["logger"] == "hakb.access")
    assert access["http"]["status"] == 200 and access["http"]["route"] == "/v1/ask"
    assert access["http"]["ms"] > 0 and '"POST /v1/ask" 200' in access["message"]
    assert {"time", "level", "pid"} <= access.keys()


def test_the_rate_limit_is_one_budget_across_the_workers(served: tuple[HakbServer, FakeSlack]) -> None:
    server, _ = served
    statuses = [call("GET", f"{server.url}/v1/ports", source="127.0.0.5").status_code for _ in range(RATE_LIMIT + 3)]
    assert statuses == [200] * RATE_LIMIT + [429] * 3
    assert call("GET", f"{server.url}/v1/ports", source="127.0.0.6").status_code == 200  # another client
