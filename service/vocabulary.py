"""What words a build's documents use: for typo repair, rarity, and spotting
questions about things the documents never mention."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from hakb.service.ranking.text import common_english, english_zipf

# Below this Zipf frequency a word is rare in general English ("dscp", "fortigate",
# "cisco"): if the documents never use it either, it is a thing they do not cover.
# Above it ("turn", "customer") it is ordinary chat and says nothing either way.
RARE_ENGLISH_ZIPF = 3.0
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")
# English's prefixes and inflections (closed classes): what a word is made of when a
# dictionary lacks the whole of it.
_PREFIX = re.compile(r"^(?:un|non|re|de|dis|mis|pre|over|under)-?")
_INFLECTIONS = ("ed", "d", "ing", "s", "es")


def _words_of(text: str) -> set[str]:
    low = text.lower()
    return set(_WORD.findall(low)) | set(re.findall(r"[a-z0-9]+", low))


class Vocabulary:
    def __init__(self, texts: Iterable[str], headings: Iterable[str] = ()) -> None:
        """`texts`: the passages; `headings`: their titles and section paths, whose words
        the documents use too ("Configure Active/Passive HA (SCM)") but which weigh as
        the passages do: a heading's word only counts where no passage says it."""
        df: dict[str, int] = {}
        n = 0
        bracketed: list[str] = []  # where an acronym may be defined
        for text in texts:
            n += 1
            if "(" in text:
                bracketed.append(text)
            for w in _words_of(text):
                df[w] = df.get(w, 0) + 1
        headed: dict[str, int] = {}
        for heading in headings:
            for w in _words_of(heading) - df.keys():
                headed[w] = headed.get(w, 0) + 1
        df.update(headed)
        self.words = frozenset(df)
        self.acronyms = acronyms_of(bracketed)
        n = max(n, 1)
        self.idf = {w: math.log(1 + n / c) for w, c in df.items()}
        self.max_idf = max(self.idf.values(), default=1.0)
        self._foreign: dict[str, bool] = {}
        self._closest: dict[str, str] = {}
        self._long = sorted(w for w in self.words if len(w) >= 4 and not any(ch.isdigit() for ch in w))
        self._short = sorted(w for w in self.words if 3 <= len(w) <= 8 and w.isalpha())

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and (word in self.words or word.rstrip("s") in self.words)

    def closest(self, word: str) -> str:
        """A chat word the documents never use, snapped to a close one they do ('corosnyc',
        'windw')."""
        if word in self or len(word) < 4 or any(ch.isdigit() for ch in word):
            return word
        hit = self._closest.get(word)
        if hit is None:
            hit = self._snap_long(word) if len(word) >= 8 else self._snap_short(word)
            if len(self._closest) > 50_000:
                self._closest.clear()
            self._closest[word] = hit
        return hit

    def _snap_long(self, word: str) -> str:
        """A long word one edit from a document word, or two when it has 9+ letters, is
        no English word and keeps its first and last letter ("intteface",
        "enacpsualtion"): slips land inside a word; a different ending is another word
        ("clusterxl" is not "clusters"). Of several, the nearest, then the one the
        documents use most. A fuzzy scan of the vocabulary costs milliseconds: each word
        is scanned once per build."""
        edits = 2 if len(word) >= 9 and english_zipf(word) < RARE_ENGLISH_ZIPF else 1
        near = process.extract(word, self._long, scorer=DamerauLevenshtein.distance, score_cutoff=edits, limit=None)
        near = [m for m in near if m[1] <= 1 or (m[0][0] == word[0] and m[0][-1] == word[-1])]
        if not near:
            return word
        return min(near, key=lambda m: (m[1], self.idf[m[0]], m[0]))[0]

    def _snap_short(self, word: str) -> str:
        """A short word is snapped only when it is no English word ("windw", "grup", not
        "wait") and one slip away from a document word (a swapped pair is one: "bakcup");
        of several, the one the documents use most ("timr" -> "timer"), then the one
        English uses most ("shold" -> "should", not "hold")."""
        if english_zipf(word) >= RARE_ENGLISH_ZIPF:
            return word
        near = process.extract(word, self._short, scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=None)
        near = [m for m in near if _a_slip(word, m[0])]
        if not near:
            return word
        return min(near, key=lambda m: (self.idf[m[0]], -english_zipf(m[0]), m[0]))[0]

    def foreign(self, word: str) -> bool:
        """Unknown to the documents and rare in English: a product, protocol or
        feature the documents do not cover ('bgp', 'dscp', 'clusterxl'). A typo of
        a common English word ('wich') is not foreign."""
        known = self._foreign.get(word)
        if known is None:
            known = self._foreign[word] = self._is_foreign(word)
            if len(self._foreign) > 50_000:  # chat is unbounded; the cache is not
                self._foreign.clear()
        return known

    def _is_foreign(self, word: str) -> bool:
        if word in self or len(word) < 2 or english_zipf(word) >= RARE_ENGLISH_ZIPF:
            return False
        # English makes words of words with a prefix: "unticked", "resynced" and
        # "misconfigured" are chat about a setting, not a product the documents lack.
        base = _PREFIX.sub("", word)
        if (
            base != word
            and len(base) >= 4
            and (base in self or english_zipf(base) >= RARE_ENGLISH_ZIPF or self._is_inflected(base))
        ):
            return False
        if len(word) >= 4 and process.extractOne(
            word, _common_english(), scorer=DamerauLevenshtein.normalized_similarity, score_cutoff=0.79
        ):
            return False
        return True

    def _is_inflected(self, word: str) -> bool:
        """An English or document word with an inflection: "synced" of "sync", "ticked"."""
        return any(
            word.endswith(end) and (word[: -len(end)] in self or english_zipf(word[: -len(end)]) >= RARE_ENGLISH_ZIPF)
            for end in _INFLECTIONS
        )

    def weight(self, word: str) -> float:
        """idf of a word. A word the documents never use weighs more than the rarest
        when it is a foreign term ("bgp"), and little when it is ordinary English
        ("cable", "customer"): chat is full of words no manual uses."""
        known = self.idf.get(word, self.idf.get(word.rstrip("s")))
        if known is not None:
            return known
        return self.max_idf * 1.5 if self.foreign(word) else self.max_idf * 0.75


# "Connectivity Association Key (CAK)", "data processing cards (DPC)": words, then the
# letters they begin with in parentheses. Small words may be left out of the letters.
_DEFINED = re.compile(r"\(([A-Za-z][A-Za-z0-9-]{1,9})\)")
_PHRASE_END = re.compile(r"[^\w\s-]")
SMALL_WORDS = frozenset({"of", "and", "the", "for", "to", "a", "an", "in", "on"})


def acronyms_of(texts: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The acronyms the documents define, lower-cased, each with the words it stands for:
    {"cak": ("connectivity", "association", "key")}. Read from the documents, so a new
    page's own acronyms are known as soon as it is ingested."""
    out: dict[str, tuple[str, ...]] = {}
    for text in texts:
        for m in _DEFINED.finditer(text):
            acronym = m.group(1).lower().replace("-", "")
            letters = re.sub(r"s$", "", acronym) if len(acronym) > 3 else acronym
            if not letters.isalpha() or len(letters) < 2:
                continue
            # The words right before the parenthesis, back to the last punctuation.
            before = _PHRASE_END.split(text[max(0, m.start() - 160) : m.start()])[-1]
            words = [w.lower() for w in re.split(r"[\s-]+", before) if w][-8:]
            if not words:
                continue
            found = _spelled_by(letters, words)
            if found and acronym not in out:
                out[acronym] = found
                out.setdefault(letters, found)
    return out


def _spelled_by(letters: str, words: list[str]) -> tuple[str, ...] | None:
    """The last words before the parentheses whose first letters spell `letters`, small
    words skipped; None when no run of them does."""
    picked: list[str] = []
    i = len(letters) - 1
    for w in reversed(words):
        if i < 0:
            break
        if w[0] == letters[i]:
            picked.append(w)
            i -= 1
        elif w in SMALL_WORDS and picked:
            continue
        else:
            return None
    return tuple(reversed(picked)) if i < 0 else None


# Where each key sits on a QWERTY keyboard (rows staggered as on the keys).
_KEYS = {
    ch: (row, col + (0.0, 0.25, 0.75)[row])
    for row, line in enumerate(("qwertyuiop", "asdfghjkl", "zxcvbnm"))
    for col, ch in enumerate(line)
}


def _a_slip(typed: str, word: str) -> bool:
    """One edit between them is a typing slip: a letter dropped, doubled or swapped with
    its neighbour, or a key next to the right one. A different letter from across the
    keyboard is another word, not a slip ("dscp" is not "dhcp")."""
    if len(typed) != len(word):
        return True
    diff = [i for i, (a, b) in enumerate(zip(typed, word, strict=True)) if a != b]
    if len(diff) != 1:
        return True  # a swapped pair
    a, b = _KEYS.get(typed[diff[0]]), _KEYS.get(word[diff[0]])
    if a is None or b is None:
        return False
    return abs(a[0] - b[0]) <= 1 and abs(a[1] - b[1]) <= 1.0


_COMMON: list[str] = []


def _common_english() -> list[str]:
    """The most frequent English words (bundled with wordfreq: its small list, about 29,000
    words), loaded once."""
    if not _COMMON:
        _COMMON.extend(w for w in common_english(30000) if w.isalpha() and len(w) >= 3)
    return _COMMON
