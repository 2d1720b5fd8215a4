"""The scope a person picks for their questions, and the scopes there are to pick from.

The API's `scope` object, the chat page's selector, `/hakb scope vm-series aws 11.1` in
Slack, the MCP `ask` tool's arguments and `hakb ask --product` all come here: a
`ScopeChoice` holds what was written (product, deployment, PAN-OS version, platform),
and `resolve` reads it against a build's `ScopeVocabulary` into the `QuestionScope`
`Engine.ask(scope=...)` takes.

    choice = ScopeChoice(product="VM-Series", deployment="aws", version="PAN-OS 11.1")
    asked = choice.resolve(build.scope_vocabulary)   # product "vm-series", deployment "aws", ("11.1",)
    ScopeChoice.parse("vm-series aws 11.1", build.scope_vocabulary)   # Slack's words
    covered(build.scope_vocabulary)                   # what a picker offers

A value is read the way a question's words are: a product or deployment the documents
name (in any case, with or without spaces and hyphens), a product written like one
("XX-Series") or a known cloud or hypervisor, a version by its shape ("10.2", "11.1.7",
"10.1.x", "PAN-OS 10.2"), a platform by its model or family name. A product or deployment
no document names is still a name (`resolve`): the engine abstains and says what the
documents do cover. A version or platform of no such shape, or a name of other characters,
is a `BadInput` that says which value could not be read and what could. `parse` (Slack's
free words) takes only what it recognises: an unknown word there is more likely a typo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hakb.errors import BadInput
from hakb.ingest import lexicon
from hakb.ingest.models import Scope
from hakb.ingest.scope import ENVIRONMENTS, environment_key
from hakb.service.scope import QuestionScope, ScopeVocabulary, read_question_scope

# What a stored or sent value may be at most (a family name is the longest: "PA-5400 Series").
VALUE_MAX = 60
# The shapes the API documents (its schema's patterns): every value of these shapes is read.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 .&+\-]*$"
VERSION_PATTERN = r"^(?:PAN-OS )?[0-9]{1,2}\.[0-9]{1,2}(?:\.(?:[0-9]{1,3}|x))?$"
PLATFORM_PATTERN = r"^PA-[0-9]{2,4}(?: Series)?$"
_NAME = re.compile(NAME_PATTERN)
_VERSION = re.compile(r"^(?:pan[\s-]?os\s*)?v?(\d{1,2})\.(\d{1,2})(?:\.(\d{1,3}|x))?$", re.I)
_SERIES = re.compile(r"^([a-z]{2})[\s-]?series$", re.I)
_NOT_SERIES = frozenset({"an", "in", "on", "of", "is", "to", "at", "by", "as", "or", "no", "so", "my", "we"})
_WORDS = re.compile(r"[^\s,;]+")
_WINDOW = 4  # the most words one value is written with ("Google Cloud Platform", "PA-5400 Series")
# Words that join values in a sentence and name nothing: "VM-Series on AWS, PAN-OS 11.1".
_FILLER = frozenset({"on", "in", "for", "the", "a", "an", "and", "pan-os", "panos", "version", "release"})


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text.lower())


@dataclass(frozen=True)
class ScopeChoice:
    """A scope as a person wrote it; every field None when not chosen."""

    product: str | None = None
    deployment: str | None = None
    version: str | None = None
    platform: str | None = None

    def __post_init__(self) -> None:
        for name in ("product", "deployment", "version", "platform"):
            value = getattr(self, name)
            cleaned = value.strip() if isinstance(value, str) else None
            object.__setattr__(self, name, cleaned or None)

    @property
    def empty(self) -> bool:
        return not (self.product or self.deployment or self.version or self.platform)

    @property
    def label(self) -> str:
        """'vm-series on aws, PAN-OS 11.1, PA-3410' (as written; `QuestionScope.label` names it
        the documents' way)."""
        parts = [f"{self.product or ''} on {self.deployment}".strip() if self.deployment else self.product or ""]
        if self.version:
            parts.append(f"PAN-OS {self.version}")
        if self.platform:
            parts.append(self.platform)
        return ", ".join(p for p in parts if p)

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def resolve(self, vocabulary: ScopeVocabulary) -> QuestionScope:
        """The `QuestionScope` for `Engine.ask(scope=)`; BadInput naming every value that
        could not be read."""
        fields: dict[str, object] = {}
        problems: list[str] = []
        for name, reader in _READERS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if len(value) > VALUE_MAX:
                problems.append(f"{name} is {len(value)} characters; at most {VALUE_MAX}")
                continue
            found = reader(value, vocabulary)
            if found is None and name in ("product", "deployment") and _NAME.match(value):
                # Not a name the documents or hakb know: the engine's abstain says what is covered.
                found = {name: re.sub(r"\s+", "-", value.lower()), f"{name}_name": value}
            if found is None:
                problems.append(_unknown(name, value, vocabulary))
            else:
                fields.update(found)
        if problems:
            raise BadInput("; ".join(problems), code="bad_scope", extra={"covered": covered(vocabulary)})
        return QuestionScope(**fields)  # type: ignore[arg-type]  # the readers give QuestionScope's fields

    @classmethod
    def parse(cls, text: str, vocabulary: ScopeVocabulary) -> ScopeChoice:
        """Words in any order ("vm-series aws 11.1", "PA-3410 10.2"), each read as a product,
        deployment, version or platform; BadInput for a word none of them is, or a second
        value of one kind."""
        words = [w for w in _WORDS.findall(text) if w.lower() not in _FILLER]
        chosen: dict[str, str] = {}
        i = 0
        while i < len(words):
            for size in range(min(_WINDOW, len(words) - i), 0, -1):
                written = " ".join(words[i : i + size])
                kind = next((k for k in _ORDER if _READERS[k](written, vocabulary) is not None), None)
                if kind is None:
                    continue
                if kind in chosen:
                    raise BadInput(f"two {kind}s given ({chosen[kind]!r} and {written!r}): give one", code="bad_scope")
                chosen[kind] = written
                i += size
                break
            else:
                raise BadInput(
                    f"{words[i]!r} is not a product, deployment, PAN-OS version or platform hakb knows; "
                    f"{_known(vocabulary)}",
                    code="bad_scope",
                )
        choice = cls(**chosen)
        choice.resolve(vocabulary)  # the lengths, as for any other choice
        return choice


# -- reading one value --------------------------------------------------------------


def _product(value: str, vocabulary: ScopeVocabulary) -> dict[str, object] | None:
    wanted = _norm(value)
    for key, name in vocabulary.products.items():
        if wanted in (_norm(key), _norm(name)):
            return {"product": key, "product_name": name}
    m = _SERIES.match(value.strip())
    if m and m.group(1).lower() not in _NOT_SERIES:
        return {"product": f"{m.group(1).lower()}-series", "product_name": f"{m.group(1).upper()}-Series"}
    return None


def _deployment(value: str, vocabulary: ScopeVocabulary) -> dict[str, object] | None:
    wanted = _norm(value)
    for key, name in vocabulary.deployments.items():
        if wanted in (_norm(key), _norm(name)):
            return {"deployment": key, "deployment_name": name}
    env = environment_key(value)  # a cloud or hypervisor no document covers: the engine says so
    if env is None:
        return None
    return {"deployment": env, "deployment_name": vocabulary.deployments.get(env) or ENVIRONMENTS[env][0]}


def _version(value: str, vocabulary: ScopeVocabulary) -> dict[str, object] | None:
    m = _VERSION.match(value.strip())
    if m is None:
        return None
    major, minor, patch = int(m.group(1)), int(m.group(2)), m.group(3)
    version = f"{major}.{minor}.{patch}" if patch and patch.lower() != "x" else f"{major}.{minor}"
    return {"versions": (version,)}


def _platform(value: str, vocabulary: ScopeVocabulary) -> dict[str, object] | None:
    wanted = _norm(value)
    model = lexicon.canonical_model(value)
    if model and _norm(model) == wanted:
        named = read_question_scope(model, vocabulary).scope
        if named.model:
            return {"model": named.model, "families": named.families}
    for name in vocabulary.platforms:  # a name the documents use that is no PA- model ("VM-300")
        if _norm(name) == wanted:
            return {"model": name, "families": (name,)}
    return None


_READERS = {"product": _product, "deployment": _deployment, "version": _version, "platform": _platform}
# Which kind a word is read as first: a version and a model have shapes no name has.
_ORDER = ("version", "platform", "deployment", "product")


def _unknown(name: str, value: str, vocabulary: ScopeVocabulary) -> str:
    if name == "version":
        return f"version {value!r} is not a PAN-OS version: write it like 10.2, 11.1.7 or 10.1.x"
    if name == "platform":
        return f"platform {value!r} is not a firewall model or family: write it like PA-3410 or PA-3400 Series"
    options = covered(vocabulary)["products" if name == "product" else "deployments"]
    known = ", ".join(o["value"] for o in options) or "none"
    return f"{name} {value!r} may hold only letters, digits, spaces, dots and hyphens (the documents name: {known})"


def _known(vocabulary: ScopeVocabulary) -> str:
    listing = covered(vocabulary)
    products = ", ".join(o["value"] for o in listing["products"]) or "none"
    deployments = ", ".join(o["value"] for o in listing["deployments"]) or "none"
    return f"products: {products}; deployments: {deployments}; versions like 10.2; platforms like PA-3410"


# -- what there is to pick from -------------------------------------------------------


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version))


def covered(vocabulary: ScopeVocabulary) -> dict[str, list[dict[str, str]]]:
    """What a picker offers: the products, deployments and PAN-OS versions the documents
    cover, as {"value", "label"} options (a value is what `ScopeChoice` reads back)."""
    versions: dict[str, str] = {}
    for s in vocabulary.scopes:
        for v in s.versions:
            versions.setdefault(v, f"PAN-OS {v}")
        if s.since:
            versions[s.since] = f"PAN-OS {s.since} & later"
    return {
        "products": [{"value": k, "label": n} for k, n in sorted(vocabulary.products.items(), key=lambda kv: kv[1])],
        "deployments": [
            {"value": k, "label": n} for k, n in sorted(vocabulary.deployments.items(), key=lambda kv: kv[1])
        ],
        "versions": [{"value": v, "label": versions[v]} for v in sorted(versions, key=_version_key)],
    }


def covered_scopes(vocabulary: ScopeVocabulary) -> list[Scope]:
    """One scope per product and deployment the documents cover, its versions joined
    (what `ScopeVocabulary.describe` writes out as one line)."""
    merged: dict[tuple[str, str | None], Scope] = {}
    for s in vocabulary.scopes:
        if not s.product:
            continue
        key = (s.product, s.deployment)
        base = s.model_copy(update={"doc_type": None, "platforms": ()})
        merged[key] = merged[key].merged(base) if key in merged else base
    return sorted(merged.values(), key=lambda s: s.product_label.lower())
