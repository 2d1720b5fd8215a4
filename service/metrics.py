"""Prometheus metrics: what the service counts, and the text `/metrics` serves.

Counted where it happens (one process each): HTTP requests by route and status and
their latency (service/api/observe.py), answers by kind and channel with their latency
(`observe_answer`: the API's /v1/ask and the Slack bot), Slack replies and the
duplicate deliveries the bot dropped. Read when scraped, from the scraping worker:
the build it serves (id, age, size), whether passages are available (Chroma up),
whether the shared state answers, and the abstain ratio over every answer counted.

Several workers (`hakb serve --workers N`): `hakb serve` points PROMETHEUS_MULTIPROC_DIR
at a temporary directory before the workers start; prometheus_client then keeps each
worker's counters in files there and a scrape, whichever worker takes it, sums them.
Only counters and histograms are kept that way (they add up across workers, dead ones
included); gauges are read at scrape time instead.

Nothing is created at import: `metrics()` makes the collectors on first use, once per
process (prometheus_client refuses a second registration of a name), under a lock: the
first requests of a worker arrive on the event loop and in the thread pool at once.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

    from hakb.service.index import BuildHolder
    from hakb.service.models import Answer
    from hakb.service.state import SharedState

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Answers take milliseconds (facts) to a second or two (a first passage question).
ANSWER_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Metrics:
    requests: Counter
    request_seconds: Histogram
    answers: Counter
    answer_seconds: Histogram
    slack_replies: Counter
    slack_duplicates: Counter


_made: Metrics | None = None
_making = threading.Lock()


def metrics() -> Metrics:
    global _made
    if _made is None:
        with _making:
            if _made is None:
                _made = _make()
    return _made


def _make() -> Metrics:
    from prometheus_client import Counter, Histogram

    return Metrics(
        requests=Counter(
            "hakb_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
        ),
        request_seconds=Histogram(
            "hakb_http_request_duration_seconds", "Time to answer an HTTP request", ["route"], buckets=REQUEST_BUCKETS
        ),
        answers=Counter(
            "hakb_answers", "Answers given, by kind (fact, passage, abstain) and channel", ["kind", "channel"]
        ),
        answer_seconds=Histogram(
            "hakb_answer_duration_seconds", "Time the engine took per answer, by kind", ["kind"], buckets=ANSWER_BUCKETS
        ),
        slack_replies=Counter("hakb_slack_replies", "Messages the Slack bot posted, by kind of answer", ["kind"]),
        slack_duplicates=Counter(
            "hakb_slack_duplicates_suppressed",
            "Slack deliveries dropped because another delivery of the message had it",
        ),
    )


def observe_answer(answer: Answer, channel: str) -> None:
    m = metrics()
    m.answers.labels(answer.kind, channel).inc()
    m.answer_seconds.labels(answer.kind).observe(answer.timing_ms / 1000.0)


def render(holder: BuildHolder, state: SharedState | None = None) -> tuple[bytes, str]:
    """The exposition text and its content type: every worker's counters, plus gauges
    read now in this worker."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    metrics()  # so a scrape before the first request still lists every counter
    if os.environ.get(MULTIPROC_ENV):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    now = CollectorRegistry()
    now.register(_Now(holder, state, counted))
    return generate_latest(counted) + generate_latest(now), CONTENT_TYPE_LATEST


class _Now:
    """Gauges read at scrape time (a prometheus_client custom collector)."""

    def __init__(self, holder: BuildHolder, state: SharedState | None, counted: Any) -> None:
        self.holder, self.state, self.counted = holder, state, counted

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily

        from hakb.service.index import NotReady

        try:
            build = self.holder.current
        except NotReady:
            build = None
        ready = GaugeMetricFamily("hakb_ready", "1 when a build is loaded and answers")
        ready.add_metric([], 1.0 if build is not None else 0.0)
        yield ready
        passages = GaugeMetricFamily(
            "hakb_passages_available", "1 when passage search works; 0 when its store (a Chroma server) is down"
        )
        passages.add_metric([], 1.0 if build is not None and build.vectors is not None else 0.0)
        yield passages
        if build is not None:
            info = GaugeMetricFamily("hakb_build_info", "The build this worker serves", labels=["build_id"])
            info.add_metric([build.build_id], 1.0)
            yield info
            created = _parse_time(build.manifest.created_at)
            if created is not None:
                age = GaugeMetricFamily("hakb_build_age_seconds", "Seconds since the build served was made")
                age.add_metric([], max(0.0, (datetime.now(UTC) - created).total_seconds()))
                yield age
            facts = GaugeMetricFamily("hakb_build_facts", "Facts in the build served")
            facts.add_metric([], float(len(build.facts)))
            yield facts
            documents = GaugeMetricFamily("hakb_build_documents", "Documents in the build served")
            documents.add_metric([], float(len(build.manifest.documents)))
            yield documents
        if self.state is not None:
            up = GaugeMetricFamily(
                "hakb_shared_state_up", "1 when the shared state (SQLite or Redis) answers", labels=["backend"]
            )
            up.add_metric([self.state.backend], 1.0 if _answers(self.state) else 0.0)
            yield up
        abstained, total = self._answer_totals()
        ratio = GaugeMetricFamily(
            "hakb_abstain_ratio", "Share of answers that abstained, over every answer counted since the service started"
        )
        ratio.add_metric([], abstained / total if total else 0.0)
        yield ratio

    def _answer_totals(self) -> tuple[float, float]:
        abstained = total = 0.0
        for family in self.counted.collect():
            if family.name != "hakb_answers":
                continue
            for sample in family.samples:
                if sample.name == "hakb_answers_total":
                    total += sample.value
                    if sample.labels.get("kind") == "abstain":
                        abstained += sample.value
        return abstained, total


def _answers(state: SharedState) -> bool:
    from hakb.service.state import StateUnavailable

    try:
        state.check()
    except StateUnavailable:
        return False
    return True


def _parse_time(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
