"""Reworded variants of gold questions: deterministic, one change each, names kept."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from hakb.eval import variants as v

GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl"
# Numbers, hex values, model and link names: what a variant must never change.
_NAMED = re.compile(r"0x[0-9a-f]+|pa-\d+\w*|ha\d(?:-backup)?|\d+", re.I)


def named(text: str) -> list[str]:
    text = re.sub(r"<[^>]*>", " ", text)  # a mention's id is not part of the question
    return sorted(m.group(0).lower() for m in _NAMED.finditer(text))


def gold_questions() -> list[tuple[str, str]]:
    return [(r["id"], r["question"]) for r in map(json.loads, GOLD.read_text().splitlines()) if r]


def test_the_same_seed_gives_the_same_variants_and_another_seed_others() -> None:
    questions = gold_questions()[:60]
    first = [v.variants(q, key) for key, q in questions]
    assert first == [v.variants(q, key) for key, q in questions]
    assert first != [v.variants(q, key, seed=v.DEFAULT_SEED + 1) for key, q in questions]


def test_at_most_n_variants_each_of_another_kind_and_none_is_the_question() -> None:
    for key, q in gold_questions():
        out = v.variants(q, key, n=2)
        assert 1 <= len(out) <= 2
        assert len({x.kind for x in out}) == len(out)
        assert all(x.question != q for x in out)
        assert len({x.question for x in out}) == len(out)
    assert {x.kind for x in v.variants("which port does ha1 use on the fw?", "k", n=5)} == set(v.KINDS)
    assert len(v.variants("what port does ha1 use?", "k", n=5)) == 3  # no 5-letter word, no synonym
    assert v.variants("what port does ha1 use?", "k", n=0) == []


def test_numbers_models_and_link_names_survive_every_variant() -> None:
    for key, q in gold_questions():
        for x in v.variants(q, key, n=5):
            assert named(x.question) == named(q), (x.kind, q, x.question)


def test_a_typo_changes_one_ordinary_word_and_never_a_name_or_negation() -> None:
    rng = random.Random(1)
    q = "which port does ha1 use without encryption on a pa-3260?"
    for _ in range(200):
        out = v.typo(q, rng)
        assert out is not None and out != q
        changed = [(a, b) for a, b in zip(q.split(), out.split(), strict=True) if a != b]
        assert len(changed) == 1
        before, _after = changed[0]
        assert before in ("which", "encryption"), before  # 5+ letters, not "without", not names
    assert v.typo("ha1 port 28?", rng) is None  # nothing ordinary to misspell


def test_synonyms_swap_within_their_group_both_ways() -> None:
    rng = random.Random(3)
    assert v.synonym("which ha timer profiles can i pick?", rng) in {
        "which ha timer profiles can i choose?",
        "which ha timer profiles can i select?",
    }
    assert (
        v.synonym("can a cluster mix ha pairs and standalone fws?", rng)
        == "can a cluster mix ha pairs and standalone firewalls?"
    )
    assert v.synonym("hb backup port?", rng) == "heartbeat backup port?"
    assert v.synonym("max members?", rng) == "maximum members?"
    assert v.synonym("ha1 port with encryption off?", rng) in {
        "ha1 port with encryption disabled?",
        "ha1 port with encryption not enabled?",
    }
    assert v.synonym("ha1 port if encryption is not enabled", rng) in {
        "ha1 port if encryption is off",
        "ha1 port if encryption is disabled",
    }
    # A verb is not a state: "turn off" stays, and so does a word inside another.
    assert v.synonym("how do i turn off preemption?", rng) is None
    assert v.synonym("maximumly ngfw?", rng) is None
    assert v.synonym("min/max interval?", rng) is None


def test_filler_markup_and_casing_keep_slack_tokens_intact() -> None:
    rng = random.Random(5)
    q = "<@U02LMNOP7> *floating ip* moves to <https://x.test/a|the page>?"
    for _ in range(50):
        for make in (v.filler, v.markup, v.casing):
            out = make(q, rng)
            if out is None:
                continue
            assert "<@U02LMNOP7>" in out and "<https://x.test/a|the page>" in out
    assert v.filler("<@U1> ha1 port?", random.Random(0)) is not None
    fillers = {v.filler("ha1 port?", random.Random(i)) for i in range(60)}
    assert "customer asking: ha1 port?" in fillers and "ha1 port? any idea?" in fillers
    assert any(f and v.MENTION in f for f in fillers) and any(f and "pls" in f for f in fillers)
    marked = {v.markup("which port does ha1 use?", random.Random(i)) for i in range(40)}
    assert marked <= {"which port does `ha1` use?", "which port does *ha1* use?"}
    assert v.casing("ha1 port?", random.Random(0)) in {"HA1 PORT?", "Ha1 port?"}


@pytest.mark.parametrize("kind", v.KINDS)
def test_every_kind_is_drawn_for_the_gold_set(kind: str) -> None:
    kinds = {x.kind for key, q in gold_questions() for x in v.variants(q, key)}
    assert kind in kinds
