"""Words, stems and polarity: the text features every part of ranking shares.

Stemming is Snowball (PyStemmer), so "interval", "interface" and "internal"
stay apart; a chat abbreviation still meets its full word through a prefix of
five letters or more ("config" ~ "configuration").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("english")
WORD = re.compile(r"[a-z0-9][a-z0-9\-']*")  # keeps "isn't" whole: its n't negates

# English negators: a closed grammatical class, not a list of phrasings. A term
# inside their scope is asked about in the negative ("without encryption",
# "encryption is not enabled", "with encryption disabled", "encryption off").
_NEGATOR_BEFORE = frozenset(
    {
        "not",
        "no",
        "without",
        "non",
        "never",
        "disable",
        "disabled",
        "off",
        "isn't",
        "aren't",
        "don't",
        "doesn't",
        "unencrypted",
        "w/o",
    }
)
_NEGATOR_AFTER = frozenset({"off", "disabled", "disable", "not", "isn't", "aren't", "unset", "none"})
# Prepositions of substitution (a closed class): "dynamic routing instead of floating IP
# addresses" says floating IP addresses are not used, as "without" would.
_SUBSTITUTION = frozenset({("instead", "of"), ("rather", "than"), ("in", "place")})
_SCOPE = 4  # words a negator reaches, before or after the term


def negator(word: str) -> bool:
    """A word that negates what is near it: never chat, whatever its frequency."""
    w = word.lower()
    return w in _NEGATOR_BEFORE or w in _NEGATOR_AFTER or w.endswith("n't")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    w = word.lower()
    return _STEMMER.stemWord(w.replace("-", "")) if len(w) > 2 else w


def tokens(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("/", " ").replace("\u2019", "'"))


@lru_cache(maxsize=100_000)
def stems_of(text: str) -> frozenset[str]:
    """Stems of a text, hyphenated words also by their parts ("keep-alive")."""
    out: set[str] = set()
    for t in tokens(text):
        out.add(stem(t))
        if "-" in t:
            out.update(stem(p) for p in t.split("-") if p)
    return frozenset(out)


def english_zipf(word: str) -> float:
    """A word's frequency in general English on the Zipf scale (0: unknown, 3: once a
    million words, 7: "the"). From wordfreq's small list, the words used about once a
    million words or more: what every caller asks is whether a word is that common,
    and the list costs 4 MB where the large one (rare words too) costs 33 MB per worker."""
    # Imported here: 0.1 s that a starting server would otherwise spend before /readyz
    # (Engine.warm_up loads it right after).
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en", wordlist="small")


def common_english(n: int) -> list[str]:
    """The `n` most frequent English words, most frequent first (at most the small
    list's 29,000)."""
    from wordfreq import top_n_list

    return top_n_list("en", n, wordlist="small")


@lru_cache(maxsize=50_000)
def specificity(word: str) -> float:
    """How much a word can say what a question is about, from its frequency in general
    English: "customer", "actually" and "asking" are everyday words (little), "heartbeat"
    and "encryption" are not (much), "ha1" and "28769" are not English at all (full)."""
    zipf = english_zipf(word)
    return min(1.0, max(0.25, (7.0 - zipf) / 4.0))


class StemIndex:
    """Every stem a build's documents use, for expanding a question's word once per
    question (itself, and the stems it is a long prefix of or that are one of it),
    so covering a text is one set intersection."""

    def __init__(self, stems: Iterable[str]) -> None:
        self._set = frozenset(stems)
        self._sorted = sorted(self._set)

    def expand(self, word_stem: str) -> frozenset[str]:
        out = {word_stem}
        if len(word_stem) >= 5:
            i = bisect.bisect_left(self._sorted, word_stem)
            while i < len(self._sorted) and self._sorted[i].startswith(word_stem):
                out.add(self._sorted[i])
                i += 1
            out.update(word_stem[:n] for n in range(5, len(word_stem)) if word_stem[:n] in self._set)
        return frozenset(out)


# English adverb particles (a closed class): the second word of a phrasal verb, which a
# noun made of the verb writes as one word ("fail over" -> "failover", "log in" -> "login").
# Two nouns side by side stay two words: "path monitor" is no "pathmonitor" of the CLI.
_PARTICLES = frozenset({"up", "down", "over", "out", "off", "back", "in", "on"})


def joined(words: list[str], is_word: Callable[[str], bool]) -> dict[str, str]:
    """Words the question writes apart and the documents as one ("fails over" for
    "failover", "set up" for "setup"): word -> the stem of the whole, when the documents
    use that word. The first word may be inflected ("failing over")."""
    out: dict[str, str] = {}
    for a, b in zip(words, words[1:], strict=False):
        if b not in _PARTICLES or not a.isalpha() or len(a) < 3:
            continue
        whole = next((w for w in (a + b, stem(a) + b) if is_word(w)), None)
        if whole is not None and stem(whole) != stem(a):
            out[a] = stem(whole)
    return out


# Two words joined by a slash ("active/passive") name one thing, not its two halves.
_COMPOUND = re.compile(r"\b[a-z][a-z0-9-]+/[a-z][a-z0-9-]+\b")


def compounds(text: str) -> set[str]:
    """The slash compounds a text names, lower-cased: {"active/active"}."""
    return set(_COMPOUND.findall(text.lower().replace("\u2019", "'")))


def compound_mentions(text: str) -> list[str]:
    """Each mention of a slash compound in a text, lower-cased, as often as it is named."""
    return _COMPOUND.findall(text.lower().replace("\u2019", "'"))


def alternatives(asked: set[str], known: Iterable[str]) -> set[str]:
    """Of the compounds asked, those that are one of a family the texts know: a sibling
    sharing a half names another one ("active/active" beside "active/passive": a mode).
    "ha1-a/ha1-b" or "tcp/udp" with no sibling is a list of two things, not one of many."""
    known = set(known)
    return {a for a in asked if any(k != a and set(k.split("/")) & set(a.split("/")) for k in known)}


def polarity(text: str, term_stems: frozenset[str]) -> int:
    """+1 when the text speaks of the term affirmatively, -1 when it negates it, 0
    when it does not mention it: "ha1 port without encryption" -> -1 for {encrypt},
    "when encryption is enabled" -> +1, "unencrypted" -> -1.
    """
    words = tokens(text)
    stems = [stem(w) for w in words]
    votes = 0
    for i, s in enumerate(stems):
        if s not in term_stems:
            # "unencrypted", "non-encrypted": the term under a negating prefix.
            if any(s.startswith(pre) and s[len(pre) :] in term_stems for pre in ("un", "non")):
                votes -= 1
            continue
        before = words[max(0, i - _SCOPE) : i]
        after = words[i + 1 : i + 1 + _SCOPE]
        negated = (
            any(w in _NEGATOR_BEFORE or w.endswith("n't") for w in before)
            or any(w in _NEGATOR_AFTER for w in after)
            or any(pair in _SUBSTITUTION for pair in zip(before, before[1:], strict=False))
        )
        # "is not enabled" after the term: a negator followed by a state word.
        votes += -1 if negated else 1
    return (votes > 0) - (votes < 0)
