"""The optional `manifest.json` of a docs directory: what a file cannot say itself.

A text scrape does not know its canonical URL or which product version it
documents; the manifest says so, per file name:

    {"ha-links-and-backup-links.txt": {"title": "HA Links and Backup Links",
                                       "url": "https://docs.paloaltonetworks.com/...",
                                       "version": "PAN-OS 11.1 & Later"}}

Manifest values win over whatever the document says about itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from hakb.ingest.errors import ManifestError
from hakb.ingest.loaders import MANIFEST_NAME, is_url

FIELDS = ("title", "url", "version")

Hint = dict[str, str]


def load_manifest(directory: str | Path) -> dict[str, Hint]:
    """File name -> {"title", "url", "version"} (only the fields given); {} when there is none."""
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
        hint = {k: str(entry[k]).strip() for k in FIELDS if isinstance(entry.get(k), str) and entry[k].strip()}
        manifest[str(name)] = hint
    return manifest


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
