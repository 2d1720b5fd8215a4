"""The documented values of the settings a passage names, for a question that asks a value.

"After a failure, how long does a recovering peer wait for its routes, by default?" is
answered in words by a passage about what the Tentative Hold Time does ("... the Tentative
Hold Time is triggered and routing convergence occurs ...") and in numbers by the facts of
that setting (its default, 60 seconds), which sit in another section. The passage names
the setting; the facts table holds its values; the answer gives both, each cited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hakb.ingest.models import Fact
from hakb.service.facts_table import FactTable
from hakb.service.ranking.text import stem

# A question that asks a value of a setting (a closed class of words for amounts and
# limits, as the rules read "hello interval range allowed?").
_ASKS_VALUE = re.compile(
    r"\b(?:range|default|defaults|max|maximum|min|minimum|highest|lowest|largest|smallest|"
    r"how long|how many|how much|how big|how high|how low|value)\b"
)
_ASKS_RANGE = re.compile(r"\b(?:range|max|maximum|min|minimum|highest|lowest|largest|smallest|how high|how low)\b")
_NUMBER = re.compile(r"(?<![\w.])\d[\d,.]*(?![\w])")
# The words of asking a value, not of what it is asked of.
_VALUE_STEMS = {
    stem(w)
    for w in ("range", "default", "maximum", "minimum", "value", "long", "many", "much", "what", "which", "does")
}


def asks_value(question: str) -> bool:
    return bool(_ASKS_VALUE.search(question))


def named_values(
    question: str, said: str, table: FactTable, prefer_doc: str | None = None, prefer_product: str | None = None
) -> list[Fact]:
    """The range and default facts of the settings the text `said` names, when the
    question asks a value and `said` holds no number: [] otherwise. A setting is named as
    `FactTable.settings_named` reads it, by two words or more. The passage's own page speaks first, then pages of its product, never
    another product's: Panorama's value of a timer is not the firewall's."""
    if not asks_value(question) or _NUMBER.search(said) or not table.settings:
        return []
    _, names = table.settings_named(said, min_words=2)
    if not names:
        return []
    wanted = (
        ["range"] if _ASKS_RANGE.search(question) else ["default"] if "default" in question else ["range", "default"]
    )
    asked = {stem(w) for w in re.findall(r"[a-z0-9]+", question) if len(w) > 3} - _VALUE_STEMS
    # A row says it only if its sentence shares a word with the question beyond the
    # setting's name ("... stays in Tentative state after it recovers" for "how long does a
    # recovering peer wait"): a setting named in passing is no answer to the question.
    facts = [
        f
        for name in names
        for f in table.by_subject(name)
        if f.attribute in wanted and asked & (_stems(f.quote) - set(table.settings[name]))
    ]
    own = [f for f in facts if f.doc_id == prefer_doc]
    product = [f for f in facts if prefer_product and f.scope is not None and f.scope.product == prefer_product]
    return _one_per_value(own or product)


def _stems(text: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())}


def _one_per_value(facts: Sequence[Fact]) -> list[Fact]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for f in facts:
        key = (f.subject, f.attribute, f.value)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
