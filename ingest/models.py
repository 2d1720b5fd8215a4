"""The shapes that cross package boundaries: documents, sections, facts and chunks.

`ingest` produces them, a build stores them, `service` reads them back. Nothing
else crosses between the two packages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, GetJsonSchemaHandler, computed_field, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

DocKind = Literal["text", "markdown", "html"]
SectionKind = Literal["paragraph", "list_item", "table_row", "heading"]
LabelFrom = Literal["row_label", "inline_label"]
SubjectFrom = Literal["quote", "row_label", "heading", "inline_label"]
# What kind of document a page is: an administration or deployment guide, the web-interface
# help (one page per dialog), a reference page (port tables, limits) or release notes.
DocType = Literal["admin-guide", "deployment-guide", "help", "reference", "release-notes"]
DOC_TYPE_NAMES: dict[str, str] = {
    "admin-guide": "admin guide",
    "deployment-guide": "deployment guide",
    "help": "web-interface help",
    "reference": "reference",
    "release-notes": "release notes",
}


def _version_key(version: str) -> tuple[int, ...]:
    # ASCII digits only: "²".isdigit() is true and int("²") fails.
    return tuple(int(p) for p in version.split(".") if p.isascii() and p.isdigit())


class Scope(BaseModel):
    """What a document, and so every fact and chunk of it, holds for.

    Read from the document itself by `hakb.ingest.scope` (URL path, breadcrumb, version
    picker, the "Where Can I Use This?" box, title); a `manifest.json` entry overrides it.
    Every field may be unknown: a user's own text file says nothing about itself.
    """

    model_config = ConfigDict(frozen=True)

    # The product the page documents, as a key ("ngfw", "cn-series", "panorama",
    # "vm-series"): the documents' own URL segment for it, the same for every page of
    # one product in a build. `product_name` is how the pages write it.
    product: str | None = None
    product_name: str | None = None
    # The cloud or environment a deployment page is about ("aws"), and its written form.
    deployment: str | None = None
    deployment_name: str | None = None
    # PAN-OS versions (major.minor) the page is the documentation of: ("10.1",) for
    # `pan-os/10-1/...`. `since`: the page holds for this version and later ("11.1 & Later",
    # "10.2.x or above"). `latest`: a page of the current, unversioned documentation.
    versions: tuple[str, ...] = ()
    since: str | None = None
    latest: bool = False
    doc_type: DocType | None = None
    # Hardware families the whole page is about ("HA Ports on the PA-7000 Series Firewall").
    platforms: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        return bool(self.product or self.versions or self.since or self.latest or self.doc_type or self.platforms)

    @property
    def product_label(self) -> str:
        """'CN-Series on AWS', 'Panorama', '' when unknown."""
        name = self.product_name or self.product or ""
        where = self.deployment_name or self.deployment
        return f"{name} on {where}".strip() if where else name

    @property
    def version_label(self) -> str:
        """'PAN-OS 10.1, 10.2, current', 'PAN-OS 11.1 & later', 'current docs', '' when unknown."""
        parts = sorted(self.versions, key=_version_key)
        if self.since:
            parts.append(f"{self.since} & later")
        if not parts:
            return "current docs" if self.latest else ""
        if self.latest and not self.since:
            parts.append("current")
        return f"PAN-OS {', '.join(parts)}"

    @property
    def label(self) -> str:
        """One line for a citation: 'CN-Series on AWS · PAN-OS 10.2 & later · deployment guide'."""
        parts = [self.product_label, self.version_label, DOC_TYPE_NAMES.get(self.doc_type or "", "")]
        if self.platforms:
            parts.append(", ".join(self.platforms))
        return " · ".join(p for p in parts if p)

    def covers_version(self, version: str) -> bool | None:
        """Whether the page holds for PAN-OS `version` ("10.2", "10.2.4"): True, False, or
        None when it cannot say (current documentation, or nothing known about versions)."""
        wanted = _version_key(version)[:2]
        if not wanted:
            return None
        if any(_version_key(v)[:2] == wanted for v in self.versions):
            return True
        if self.since and wanted >= _version_key(self.since)[:2]:
            return True
        if self.latest or not (self.versions or self.since):
            return None
        return False

    def merged(self, other: Scope) -> Scope:
        """One scope for the same sentence read from two versions of a page: its versions
        joined ('PAN-OS 10.1, 10.2, current'); the other fields kept where they agree."""
        mine, theirs = self.model_dump(), other.model_dump()
        fields = {k: v for k, v in mine.items() if theirs[k] == v}
        fields["versions"] = tuple(sorted({*self.versions, *other.versions}, key=_version_key))
        fields["since"] = min((s for s in (self.since, other.since) if s), key=_version_key, default=None)
        fields["latest"] = self.latest or other.latest
        fields["platforms"] = tuple(dict.fromkeys([*self.platforms, *other.platforms]))
        return Scope.model_validate(fields)


class DocumentMeta(BaseModel):
    """Where a document came from; every citation points back here."""

    model_config = ConfigDict(frozen=True)

    doc_id: str  # stable slug, derived from the file name or URL
    title: str
    url: str | None = None
    version: str | None = None  # product version, e.g. "PAN-OS 11.1+", when known
    scope: Scope | None = None  # product, deployment, versions, kind of page (None: older builds)
    source: str  # path or URL it was read from
    kind: DocKind
    sha256: str  # content hash: unchanged documents are not re-embedded
    # Other copies of the same URL read in the same build (their doc ids): one page is one
    # source, so the copies were merged into this one and are not cited on their own.
    aliases: tuple[str, ...] = ()


class Section(BaseModel):
    """One block of body text under a heading path.

    A table row keeps its row label ("Control Link") in `label`: whatever is said
    inside the row is about that label, which is how a row scopes its facts.
    """

    model_config = ConfigDict(frozen=True)

    doc_id: str
    path: tuple[str, ...]  # heading path, page title first
    kind: SectionKind = "paragraph"
    text: str
    label: str | None = None  # table row label or list-item lead-in
    order: int = 0  # position in the document, for stable ordering
    # What made `label`: a table row's first cell, or an inline or bold paragraph label
    # ("Data Link (HA2)") that opened a new scope for what follows it. None: no label,
    # or a reader that does not say (a table row then counts as a row label).
    label_from: LabelFrom | None = None
    # The column names of the table a row belongs to (or the caption that stands for
    # them when a scrape glued them together): what each value cell of the row means.
    columns: tuple[str, ...] = ()
    # The row's cells after its label, one per column of `columns[1:]`, when the reader knows
    # which column each is in (a value per model column ...); () when it does not.
    cells: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        return " > ".join(self.path)


class Citation(BaseModel):
    doc_id: str
    title: str
    url: str | None = None
    section: str
    quote: str
    version: str | None = None
    scope: Scope | None = None  # which product, deployment and PAN-OS versions the quote holds for

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def scope_label(self) -> str:
        """What the quote holds for, as people read it ("CN-Series on AWS · PAN-OS 10.2 &
        later · deployment guide"): the scope's label, else the version; "" when unknown."""
        if self.scope is not None and self.scope.label:
            return self.scope.label
        return self.version or ""


class Fact(BaseModel):
    """One (subject, attribute, value) statement with the sentence that says it (`quote`)
    and where it says it (doc_id, title, url, section, version, scope)."""

    subject: str  # HA1, HA1-backup, HA2, ..., heartbeat-backup, "PA-3200 Series", ...
    attribute: str  # port, protocol, transport, ethertype, layer, ...
    value: str
    qualifier: str | None = None  # "clear text", "encrypted", "default", ...
    protocol: str | None = None  # for ports: TCP, UDP or IP, as the document says
    platforms: list[str] = Field(default_factory=list)  # families the fact is scoped to
    # The sentence that says it and where: the one place they live. On the wire and on disk
    # a fact stays flat, as it always was (the citation's fields, the properties below,
    # beside subject and value), so API and MCP clients, the chat page and builds written
    # before the citation was nested read and load unchanged.
    citation: Citation = Field(exclude=True)
    conflict: bool = False  # another document gives a different value for this key
    # Where the subject came from: named in the quote itself, or inherited from the
    # table row label, the heading, or an inline paragraph label the quote sits under.
    subject_from: SubjectFrom | None = None

    @model_validator(mode="before")
    @classmethod
    def _nest_citation(cls, data: Any) -> Any:
        """A flat record (a build's facts.jsonl, an API body) gives its citation's fields
        beside the fact's own: they become the citation."""
        if isinstance(data, dict) and "citation" not in data:
            data = dict(data)
            data["citation"] = {name: data.pop(name) for name in _CITED if name in data}
        return data

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler, /) -> JsonSchemaValue:
        """The schema a fact is read from is the flat one too (what `_nest_citation` takes,
        and what an MCP client checks a tool's facts against): the citation's fields in
        place of `citation`."""
        schema = handler(core_schema)
        if handler.mode != "validation":
            return schema  # the computed fields already list them
        target = handler.resolve_ref_schema(schema)
        cited = handler.resolve_ref_schema(handler(Citation.__pydantic_core_schema__))
        required = {*target.get("required", ()), *cited.get("required", ())}
        properties: dict[str, Any] = {}
        for name, prop in target["properties"].items():
            properties.update(cited["properties"] if name == "citation" else {name: prop})
        target["properties"] = properties
        target["required"] = [name for name in properties if name in required]
        return schema

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; an update of a citation field ("quote", "scope", ...) updates the copy's
        citation (those names are views, not fields: pydantic would drop them silently)."""
        if update and any(name in update for name in _CITED):
            update = dict(update)
            cited = {name: update.pop(name) for name in _CITED if name in update}
            update["citation"] = update.get("citation", self.citation).model_copy(update=cited)
        return super().model_copy(update=update, deep=deep)

    @property
    def key(self) -> tuple[str, str, str | None, tuple[str, ...]]:
        return (self.subject, self.attribute, self.qualifier, tuple(sorted(self.platforms)))

    # Read-only views of the citation, serialized flat (computed fields keep the API
    # schema exact). To change one, copy the fact with an update (see model_copy).
    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def doc_id(self) -> str:
        return self.citation.doc_id

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def title(self) -> str:
        return self.citation.title

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def url(self) -> str | None:
        return self.citation.url

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def section(self) -> str:
        return self.citation.section

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def quote(self) -> str:
        return self.citation.quote

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def version(self) -> str | None:
        return self.citation.version

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def scope(self) -> Scope | None:
        return self.citation.scope


# The citation's own fields, as a flat fact record writes them (its computed scope_label is
# not written with a fact).
_CITED = tuple(Citation.model_fields)


class Chunk(BaseModel):
    """A retrievable passage: consecutive sections of one heading, with metadata."""

    chunk_id: str
    doc_id: str
    title: str
    url: str | None = None
    section: str
    version: str | None = None
    scope: Scope | None = None
    text: str
    subjects: list[str] = Field(default_factory=list)  # links/platforms mentioned

    def citation(self, quote: str) -> Citation:
        """A citation of `quote` (a sentence of this chunk) with the chunk's source and scope."""
        return Citation(
            doc_id=self.doc_id,
            title=self.title,
            url=self.url,
            section=self.section,
            quote=quote,
            version=self.version,
            scope=self.scope,
        )


class DocumentReport(BaseModel):
    """What ingest made of one document (or why it could not)."""

    source: str
    doc_id: str | None = None
    ok: bool
    error: str | None = None
    sections: int = 0
    facts: int = 0
    chunks: int = 0
    reused: bool = False  # unchanged since the previous build: not re-embedded
    merged_into: str | None = None  # another copy of the same URL is the one source kept (its doc id)


class Manifest(BaseModel):
    build_id: str
    created_at: str
    embedder: str
    pipeline: str = ""  # fingerprint of the ingest code: new rules mean a new build
    documents: list[DocumentMeta]
    counts: dict[str, int]
    complete: bool = True
    # Every scope the build documents: its pages' and any a sentence names for itself
    # ("On the VM-Series firewall in AWS, ..."): what a question's scope is matched against.
    scopes: list[Scope] = Field(default_factory=list)
