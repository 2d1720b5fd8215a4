"""The optional `manifest.json` of a docs directory: what a file cannot say itself.

A text scrape does not know its canonical URL or which product version it
documents; the manifest says so, per file name:

    {"ha-links-and-backup-links.txt": {"title": "HA Links and Backup Links",
                                       "url": "https://docs.paloaltonetworks.com/...",
                                       "version": "PAN-OS 11.1 & Later"}}

and, when the page's URL and breadcrumb do not say it (see `hakb.ingest.scope`), its
scope: "product" ("VM-Series"), "deployment" ("AWS"), "doc_type" (admin-guide,
deployment-guide, help, reference, release-notes) and "platforms" (a list, or one string
with commas: "PA-7000 Series, PA-5400 Series").

Manifest values win over whatever the document says about itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

from hakb.ingest.errors import ManifestError
from hakb.ingest.loaders import MANIFEST_NAME, is_url
from hakb.ingest.models import DocType

DOC_TYPES: tuple[str, ...] = get_args(DocType)

FIELDS = ("title", "url", "version", "product", "deployment", "doc_type", "platforms")

Hint = dict[str, str]


def load_manifest(directory: str | Path) -> dict[str, Hint]:
    """File name -> {"title", "url", "version", ...} (only the fields given); {} when there is none."""
    path = Path(directory) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(str(path), f"cannot be read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(str(path), f"is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(raw, dict):
        raise ManifestError(str(path), "must be a JSON object mapping file names to {title, url, version}")
    manifest: dict[str, Hint] = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict):
            raise ManifestError(str(path), f"entry {name!r} must be an object with title, url, version")
        hint = {k: _text(entry[k]) for k in FIELDS if _text(entry.get(k))}
        if hint.get("doc_type", DOC_TYPES[0]) not in DOC_TYPES:
            raise ManifestError(str(path), f"entry {name!r}: doc_type must be one of {', '.join(DOC_TYPES)}")
        manifest[str(name)] = hint
    return manifest


def _text(value: object) -> str:
    """A field's text: a string as given, a list of strings joined with ", "."""
    if isinstance(value, list):
        return ", ".join(str(v).strip() for v in value if isinstance(v, str) and v.strip())
    return value.strip() if isinstance(value, str) else ""


def hint_for(source: str | Path) -> Hint | None:
    """The manifest entry for a file, from the manifest.json next to it; None for URLs or no entry."""
    if is_url(source):
        return None
    path = Path(source)
    return load_manifest(path.parent).get(path.name) or None


def write_manifest(directory: str | Path, entries: dict[str, Hint]) -> Path:
    """Write (merge into) a directory's manifest.json, keys sorted, for people to read and edit."""
    path = Path(directory) / MANIFEST_NAME
    merged = {**load_manifest(directory), **entries}
    path.write_text(json.dumps(dict(sorted(merged.items())), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
