"""The rules table in memory: facts indexed for the lookups the engine makes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from hakb.ingest import lexicon
from hakb.ingest.models import Fact

# The Snowball stem ranking uses too: "interval", "interface" and "internal" stay apart
# (a cut to five letters made them one word).
from hakb.service.ranking.text import StemIndex, compounds, stem


def fact_stems(f: Fact) -> frozenset[str]:
    """Stems of a fact's value, quote and table-row label."""
    return _stems_of(f.value, f.quote, f.section)


@lru_cache(maxsize=50_000)
def _stems_of(value: str, quote: str, section: str) -> frozenset[str]:
    # Keyed by content, not by object: a new build's facts never see an old one's.
    # A table row's label ("PA-800 Series Firewalls") is part of what a fact says;
    # a page title alone is not.
    label = section.split(" > ")[-1] if " > " in section else ""
    text = f"{value} {quote} {label}".lower()
    out: set[str] = set()
    for t in re.findall(r"[a-z0-9][a-z0-9\-/]*", text):
        out.add(stem(t))
        out.update(stem(p) for p in re.split(r"[-/]", t) if p)
    return frozenset(out)


def norm_value(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().lower()


_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.])")
_RANGE = re.compile(r"(?<![\w.])(\d+)\s*(?:–|-|to)\s*(\d+)(?![\w.])")
_WIDEST_LISTED_RANGE = 100  # "5404–5406" is a few ports; "1 to 65535" is a setting's range


def numbers_in(value: str) -> set[int]:
    """The numbers a text gives as values: alone, listed, or within a range of a few."""
    found = {int(m.group(1).replace(",", "")) for m in _NUMBER.finditer(value)}
    for m in _RANGE.finditer(value):
        low, high = int(m.group(1)), int(m.group(2))
        if 0 < high - low <= _WIDEST_LISTED_RANGE:
            found.update(range(low, high + 1))
    return found


class FactTable:
    def __init__(self, facts: Iterable[Fact]) -> None:
        self.facts: list[Fact] = list(facts)
        self._by_subject: dict[str, list[Fact]] = defaultdict(list)
        self._by_value: dict[str, list[Fact]] = defaultdict(list)
        self._by_platform: dict[str, list[Fact]] = defaultdict(list)
        self._by_number: dict[int, list[Fact]] = defaultdict(list)
        platforms: set[str] = set()
        for f in self.facts:
            self._by_subject[f.subject].append(f)
            self._by_value[norm_value(f.value)].append(f)
            for n in numbers_in(f.value):
                self._by_number[n].append(f)
            for p in f.platforms:
                self._by_platform[p].append(f)
                platforms.add(p)
            if lexicon.canonical_model(f.subject) == f.subject:
                platforms.add(f.subject)
        self.platforms: frozenset[str] = frozenset(platforms)
        self.subjects: frozenset[str] = frozenset(self._by_subject)
        self._stems: frozenset[str] | None = None
        self._stem_index: StemIndex | None = None
        self._settings: dict[str, tuple[str, ...]] | None = None
        self._compounds: frozenset[str] | None = None

    @property
    def compounds(self) -> frozenset[str]:
        """The slash compounds the facts' sentences name ("active/passive", "ha1-a/ha1-b")."""
        if self._compounds is None:
            self._compounds = frozenset(c for f in self.facts for c in compounds(f.quote))
        return self._compounds

    @property
    def settings(self) -> dict[str, tuple[str, ...]]:
        """Settings with a documented range or default, with the stems of their names."""
        if self._settings is None:
            self._settings = {
                f.subject: tuple(stem(w) for w in re.findall(r"[a-z0-9]+", f.subject.lower()) if len(w) > 1)
                for f in self.facts
                if f.attribute in ("range", "default")
            }
        return self._settings

    def settings_named(self, text: str, min_words: int = 1) -> tuple[int, list[str]]:
        """The settings `text` names (of `min_words` words or more), as (words in the
        longest name, the names that long). A name is said as written, word after word:
        "monitor fail hold up time" does not name "Monitor Hold Time", and the longest
        wins, so "monitor hold time" is not "monitor fail hold down time"."""
        sequence = " " + " ".join(stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())) + " "
        named = [
            (len(stems), name)
            for name, stems in self.settings.items()
            if len(stems) >= max(min_words, 1) and f" {' '.join(stems)} " in sequence
        ]
        if not named:
            return 0, []
        longest = max(n for n, _ in named)
        return longest, [name for n, name in named if n == longest]

    def says(self, word: str) -> frozenset[str]:
        """The stems of the facts' words that say a question's `word`: its stem, and from
        five letters on the stems it begins or that begin it ("config" ~ "configur"), as
        ranking reads a passage (StemIndex)."""
        if self._stems is None or self._stem_index is None:
            self._stems = frozenset(t for f in self.facts for t in fact_stems(f))
            self._stem_index = StemIndex(self._stems)
        return self._stem_index.expand(stem(word)) & self._stems

    def mentions(self, word: str) -> bool:
        """Whether any fact's value, quote or section says `word`."""
        return bool(self.says(word))

    def __len__(self) -> int:
        return len(self.facts)

    def query(
        self,
        subject: str | None = None,
        attribute: str | None = None,
        platform: str | None = None,
    ) -> list[Fact]:
        """Facts matching every given filter; a platform matches its family too."""
        pool = self._by_subject.get(subject, []) if subject else self.facts
        out = [f for f in pool if attribute is None or f.attribute == attribute]
        if platform:
            names = set(self.resolve(platform)) or {platform}
            out = [f for f in out if f.subject in names or names & set(f.platforms)]
        return out

    def by_subject(self, subject: str) -> list[Fact]:
        return self._by_subject.get(subject, [])

    def by_value(self, value: str) -> list[Fact]:
        return self._by_value.get(norm_value(value), [])

    def holding_number(self, number: str) -> list[Fact]:
        """Facts whose value holds this number, alone, in a list or within a stated
        range of a few ("UDP 5404–5406" holds 5405): the documents give it as a value."""
        digits = number.replace(",", "")
        return list(self._by_number.get(int(digits), [])) if digits.isdigit() else []

    def about_platforms(self, names: Iterable[str]) -> list[Fact]:
        """Facts whose subject is one of `names` or that are scoped to one of them."""
        # In the order given (most specific name first), whatever the hash seed.
        wanted = dict.fromkeys(names)
        seen: set[int] = set()
        out: list[Fact] = []
        for name in wanted:
            for f in self._by_subject.get(name, []) + self._by_platform.get(name, []):
                if id(f) not in seen:
                    seen.add(id(f))
                    out.append(f)
        return out

    def resolve(self, model: str) -> list[str]:
        """Documented names that speak for `model` (itself, its family); [] if unknown."""
        return lexicon.resolve_platform(model, self.platforms)

    def families(self) -> list[str]:
        return sorted(self.platforms)
