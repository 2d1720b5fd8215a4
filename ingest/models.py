"""The shapes that cross package boundaries: documents, sections, facts and chunks.

`ingest` produces them, a build stores them, `service` reads them back. Nothing
else crosses between the two packages.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocKind = Literal["text", "markdown", "html"]
SectionKind = Literal["paragraph", "list_item", "table_row", "heading"]
LabelFrom = Literal["row_label", "inline_label"]
SubjectFrom = Literal["quote", "row_label", "heading", "inline_label"]


class DocumentMeta(BaseModel):
    """Where a document came from; every citation points back here."""

    model_config = ConfigDict(frozen=True)

    doc_id: str  # stable slug, derived from the file name or URL
    title: str
    url: str | None = None
    version: str | None = None  # product version, e.g. "PAN-OS 11.1+", when known
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


class Fact(BaseModel):
    """One (subject, attribute, value) statement with the sentence that says it."""

    subject: str  # HA1, HA1-backup, HA2, ..., heartbeat-backup, "PA-3200 Series", ...
    attribute: str  # port, protocol, transport, ethertype, layer, ...
    value: str
    qualifier: str | None = None  # "clear text", "encrypted", "default", ...
    protocol: str | None = None  # for ports: TCP, UDP or IP, as the document says
    platforms: list[str] = Field(default_factory=list)  # families the fact is scoped to
    doc_id: str
    title: str
    url: str | None = None
    section: str
    quote: str
    version: str | None = None
    conflict: bool = False  # another document gives a different value for this key
    # Where the subject came from: named in the quote itself, or inherited from the
    # table row label, the heading, or an inline paragraph label the quote sits under.
    subject_from: SubjectFrom | None = None

    @property
    def key(self) -> tuple[str, str, str | None, tuple[str, ...]]:
        return (self.subject, self.attribute, self.qualifier, tuple(sorted(self.platforms)))

    def citation(self) -> Citation:
        return Citation(
            doc_id=self.doc_id,
            title=self.title,
            url=self.url,
            section=self.section,
            quote=self.quote,
            version=self.version,
        )


class Chunk(BaseModel):
    """A retrievable passage: consecutive sections of one heading, with metadata."""

    chunk_id: str
    doc_id: str
    title: str
    url: str | None = None
    section: str
    version: str | None = None
    text: str
    subjects: list[str] = Field(default_factory=list)  # links/platforms mentioned


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
