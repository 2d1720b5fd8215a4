"""Why a document could not be read: one exception tree for the readers.

    IngestError                 root: catch this to skip a bad source and go on
    ├── UnreadableDocument      missing, a directory, no permission, too large
    ├── EmptyDocument           no bytes, or only whitespace
    ├── BinaryDocument          NUL bytes or mostly control characters
    ├── EncodingError           not valid UTF-8 (a UTF-8 BOM is fine)
    ├── NotADocument            text, but not a page: records, code or keys (too few words)
    ├── NoBodyError             read and parsed, but no body text was left
    ├── FetchError              an http(s) source could not be fetched
    ├── ManifestError           a docs-directory manifest.json is malformed
    └── ParseError              a parser failed in a way it did not foresee

IngestError derives from `hakb.errors.IngestFailed` (hakb's one error tree).

Every message is one line that names the document and says why, so a build
report can print it as it is. Errors of the libraries underneath (OSError,
httpx, lxml) are translated here at the edge and never reach callers.
"""

from __future__ import annotations

from hakb.errors import IngestFailed


class IngestError(IngestFailed):
    """A document could not be turned into sections."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = " ".join(reason.split())  # always one line
        super().__init__(f"{source}: {self.reason}")


class UnreadableDocument(IngestError):
    """The path does not exist, is a directory, is not permitted or is too large."""


class EmptyDocument(IngestError):
    """The document has no bytes, or only whitespace."""


class BinaryDocument(IngestError):
    """The bytes are not text (NUL bytes or a high ratio of control characters)."""


class EncodingError(IngestError):
    """The bytes are not valid UTF-8."""


class NotADocument(IngestError):
    """Text, but not a page for people: mostly tokens that are no words (/etc/passwd, a key)."""


class NoBodyError(IngestError):
    """Nothing was left once navigation and page chrome were dropped."""


class FetchError(IngestError):
    """An http(s) URL could not be fetched (connection, timeout, HTTP status)."""


class ManifestError(IngestError):
    """A docs directory's manifest.json is not the expected JSON object."""


class ParseError(IngestError):
    """A parser failed unexpectedly; the document is skipped, not the build."""
