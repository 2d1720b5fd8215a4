"""`hakb builds list|rollback|export|import` and `hakb docs list|remove`: an operator's view
of the builds on disk.

A build is sealed by its manifest; CURRENT names the one served. Rolling back points
CURRENT at an earlier sealed build, after reading it whole (every fact and chunk the
manifest counts), so a damaged build never becomes current; a running service (every
worker) follows CURRENT by itself within HAKB_WATCH_INTERVAL, as after an ingest. The
builds kept are the newest three and the current one (ingest's cleanup): older ones are
gone and cannot be rolled back to.

Reads and writes the index directory only: no model, no engine, so each command takes
well under a second (but `hakb docs remove`, which makes a new build through the ingest
pipeline; unchanged passages keep their vectors, so it embeds nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from hakb.errors import EXIT_FAILED, EXIT_OK, BadInput, IngestFailed, NotFound, NotReady
from hakb.settings import Settings

if TYPE_CHECKING:
    from hakb.ingest.embedder import Embedder
    from hakb.ingest.models import DocumentMeta

# hakb.ingest (numpy, pydantic models) is imported by the commands, not here: every
# `hakb` invocation builds this parser.


@dataclass(frozen=True)
class BuildRow:
    build_id: str
    current: bool
    created_at: str | None
    documents: int | None
    facts: int | None
    chunks: int | None
    problem: str | None = None  # why the manifest cannot be read


def list_builds(settings: Settings) -> list[BuildRow]:
    """Every sealed build, newest first."""
    from hakb.ingest import builds
    from hakb.ingest.errors import IngestError

    index_dir = settings.index_dir
    current = builds.current_build_id(index_dir)
    rows = []
    for build_id in reversed(builds.finished_builds(index_dir)):
        try:
            manifest = builds.read_manifest(builds.build_path(index_dir, build_id))
        except IngestError as exc:
            rows.append(BuildRow(build_id, build_id == current, None, None, None, None, problem=str(exc)))
            continue
        rows.append(
            BuildRow(
                build_id,
                build_id == current,
                manifest.created_at,
                len(manifest.documents),
                manifest.counts.get("facts"),
                manifest.counts.get("chunks"),
            )
        )
    return rows


def rollback(settings: Settings, target: str | None) -> tuple[str, str | None]:
    """Make `target` (default: the newest sealed build older than the current one) current;
    (new current, previous current)."""
    from hakb.ingest import builds

    index_dir = settings.index_dir
    if not index_dir.is_dir():
        return _rollback_locked(index_dir, target)  # no build to race for: it says so, and makes no lock file
    # Under the lock ingest's cleanup takes: the target cannot be removed between its check
    # and the switch, and a cleanup that follows keeps it (it is current then).
    with builds.locked(index_dir):
        return _rollback_locked(index_dir, target)


def _rollback_locked(index_dir: Path, target: str | None) -> tuple[str, str | None]:
    from hakb.ingest import builds

    current = builds.current_build_id(index_dir)
    finished = builds.finished_builds(index_dir)
    if target is None:
        older = [b for b in finished if current is None or b < current]
        if not older:
            raise BadInput("there is no earlier build to roll back to (`hakb builds list` shows what is kept)")
        target = older[-1]
    elif target not in finished:
        known = ", ".join(reversed(finished)) or "none"
        raise NotFound(f"no sealed build {target!r}; the builds kept are: {known}")
    if target == current:
        raise BadInput(f"build {target} is already current")
    builds.read_build(index_dir, target)  # a damaged build is refused (BuildError, exit 1) before it serves
    builds.set_current(index_dir, target)
    return target, current


def export_build(settings: Settings, build_id: str | None, out: BinaryIO) -> str:
    """Write the export of a sealed build (default: the current one) to `out`; its id."""
    from hakb.ingest import builds

    index_dir = settings.index_dir
    build_id = build_id or builds.current_build_id(index_dir)
    if build_id is None:
        raise NotReady(f"no build in {index_dir}: run `hakb ingest` first")
    finished = builds.finished_builds(index_dir)
    if build_id not in finished:
        known = ", ".join(reversed(finished)) or "none"
        raise NotFound(f"no sealed build {build_id!r}; the builds kept are: {known}")
    builds.export_build(index_dir, build_id, out)
    return build_id


def import_build(settings: Settings, source: BinaryIO, label: str) -> tuple[str, str | None, bool]:
    """Install an exported build after checking every file against its checksum, and make
    it current; (build id, the build current before, whether CURRENT moved)."""
    from hakb.ingest import builds
    from hakb.ingest.embedder import OnnxEmbedder

    previous = builds.current_build_id(settings.index_dir)
    build_id, moved = builds.import_build(
        settings.index_dir,
        source,
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
        embedder=OnnxEmbedder.from_settings(settings).name,  # hashes the model file; loads nothing
        label=label,
    )
    return build_id, previous, moved


def current_documents(settings: Settings) -> tuple[str, list[dict[str, Any]]]:
    from hakb.ingest import builds

    index_dir = settings.index_dir
    current = builds.current_build_id(index_dir)
    if current is None:
        raise NotReady(f"no build in {index_dir}: run `hakb ingest` first")
    manifest = builds.read_manifest(builds.build_path(index_dir, current))
    docs = [
        {
            "doc_id": meta.doc_id,
            "title": meta.title,
            "url": meta.url,
            "version": meta.version,
            "scope": (meta.scope.label or None) if meta.scope is not None else None,
            "source": meta.source,
        }
        for meta in sorted(manifest.documents, key=lambda m: m.doc_id)
    ]
    return current, docs


@dataclass(frozen=True)
class Removal:
    doc_id: str
    build_id: str  # the new current build, without the document
    previous: str  # the build it was in
    counts: dict[str, int]
    deleted: str | None  # the file taken out of the docs directory, if it was there
    left_in_place: str | None  # its source outside the docs directory, not ours to delete
    notes: list[str]  # documents that could not be read again and kept their previous version


def remove_document(settings: Settings, doc_id: str, embedder: Embedder | None = None) -> Removal:
    """A new sealed build holding every document of the current one but `doc_id`, made by the
    ingest pipeline from the other documents' sources (an unchanged passage keeps its vector:
    nothing is embedded again); then its file leaves the docs directory (and its line in
    manifest.json), so a later `hakb ingest` of the docs directory does not bring it back.
    Unknown `doc_id`: NotFound (exit 2), nothing changes."""
    from hakb.ingest import builds
    from hakb.ingest.pipeline import IngestOptions, Pipeline

    index_dir = settings.index_dir
    current = builds.current_build_id(index_dir)
    if current is None:
        raise NotReady(f"no build in {index_dir}: run `hakb ingest` first")
    manifest = builds.read_manifest(builds.build_path(index_dir, current))
    target = _document(manifest.documents, doc_id, current)
    others = [m for m in manifest.documents if m.doc_id != target.doc_id]
    if not others:
        raise BadInput(f"{doc_id!r} is the only document of build {current}: a build needs at least one")
    # Every other document read again from where it came from, and nothing else: the
    # pipeline keeps each unchanged passage's vector, and one that cannot be read now
    # keeps its previous version (a note, not a failure of the removal).
    options = IngestOptions.from_settings(settings, index_dir=index_dir, replace=True)
    result = Pipeline(options, embedder).run([m.source for m in others])
    if result.error or not result.changed or result.build_id is None:
        raise IngestFailed(f"{target.doc_id} was not removed: {result.error or 'no new build was made'}")
    deleted, left = _take_out_of_docs_dir(settings.docs_dir, target.source)
    return Removal(
        doc_id=target.doc_id,
        build_id=result.build_id,
        previous=current,
        counts=result.counts,
        deleted=deleted,
        left_in_place=left,
        notes=[r.error or "" for r in result.failed],
    )


def _document(documents: list[DocumentMeta], doc_id: str, build_id: str) -> DocumentMeta:
    for meta in documents:
        if meta.doc_id == doc_id:
            return meta
    for meta in documents:
        if doc_id in meta.aliases:
            raise BadInput(f"{doc_id!r} is a copy of {meta.doc_id!r} (the same URL), merged into it: remove that one")
    import difflib

    ids = sorted(m.doc_id for m in documents)
    close = difflib.get_close_matches(doc_id, ids, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise NotFound(f"no document {doc_id!r} in build {build_id} (`hakb docs list` shows its {len(ids)}){hint}")


def _take_out_of_docs_dir(docs_dir: Path, source: str) -> tuple[str | None, str | None]:
    """Delete the document's file when it lives in the docs directory, with its manifest.json
    entry; (deleted path, a source elsewhere left alone)."""
    from hakb.ingest.loaders import MANIFEST_NAME, is_url

    if is_url(source):
        return None, source
    path = Path(source)
    try:
        inside = path.resolve().parent == docs_dir.resolve()
    except OSError:
        inside = False
    if not inside:
        return None, source
    path.unlink(missing_ok=True)
    manifest = docs_dir / MANIFEST_NAME
    try:
        entries = json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return str(path), None  # no manifest, or one ingest would refuse anyway: left as it is
    if isinstance(entries, dict) and entries.pop(path.name, None) is not None:
        tmp = manifest.with_name(f".{MANIFEST_NAME}.tmp")
        tmp.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(manifest)
    return str(path), None


# -- the command line ------------------------------------------------------------------


def add_parsers(sub: Any) -> None:
    """`hakb builds ...` and `hakb docs ...` (called by hakb.cli with its subparsers)."""
    b = sub.add_parser("builds", help="list the builds kept, roll back, export or import one")
    bsub = b.add_subparsers(dest="builds_command", required=True)
    bl = bsub.add_parser("list", help="the sealed builds, newest first; * marks the one served")
    bl.add_argument("--json", action="store_true")
    bl.set_defaults(func=cmd_builds_list)
    br = bsub.add_parser("rollback", help="serve an earlier build (default: the one before the current)")
    br.add_argument("build", nargs="?", help="a build id from `hakb builds list`")
    br.set_defaults(func=cmd_builds_rollback)
    be = bsub.add_parser("export", help="write a sealed build, with its files' checksums, to a tar file")
    be.add_argument("build", nargs="?", help="a build id from `hakb builds list` (default: the current one)")
    be.add_argument("-o", "--output", required=True, help="the tar file to write (- for standard output)")
    be.set_defaults(func=cmd_builds_export)
    bi = bsub.add_parser("import", help="check an exported build against its checksums, then serve it")
    bi.add_argument("file", help="a tar file from `hakb builds export` or GET /v1/builds/{id}/export (- for stdin)")
    bi.set_defaults(func=cmd_builds_import)

    d = sub.add_parser("docs", help="list the documents of the current build, or remove one")
    dsub = d.add_subparsers(dest="docs_command", required=True)
    dl = dsub.add_parser("list", help="the documents the current build answers from")
    dl.add_argument("--json", action="store_true")
    dl.set_defaults(func=cmd_docs_list)
    dr = dsub.add_parser(
        "remove",
        help="a new build without one document (its file leaves the docs directory); nothing is embedded again",
    )
    dr.add_argument("doc", help="a document id from `hakb docs list`")
    dr.add_argument("--json", action="store_true")
    dr.set_defaults(func=cmd_docs_remove)


def cmd_builds_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = list_builds(settings)
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return EXIT_OK
    if not rows:
        print(f"no builds in {settings.index_dir}: run `hakb ingest` first")
        return EXIT_OK
    width = max(len(r.build_id) for r in rows)
    print(f"  {'BUILD':<{width}}  {'CREATED':<25}  {'DOCS':>5}  {'FACTS':>6}  {'CHUNKS':>6}")
    for r in rows:
        mark = "*" if r.current else " "
        if r.problem:
            print(f"{mark} {r.build_id:<{width}}  unreadable: {r.problem}")
            continue
        print(
            f"{mark} {r.build_id:<{width}}  {(r.created_at or '')[:25]:<25}  {_n(r.documents):>5}  "
            f"{_n(r.facts):>6}  {_n(r.chunks):>6}"
        )
    return EXIT_OK


def cmd_builds_rollback(args: argparse.Namespace, settings: Settings) -> int:
    new, old = rollback(settings, args.build)
    print(
        f"build {new} is current (was {old or 'none'}); a running service switches to it "
        f"within {settings.watch_interval_s:g} s"
    )
    return EXIT_OK


def cmd_builds_export(args: argparse.Namespace, settings: Settings) -> int:
    if args.output == "-":
        build_id = export_build(settings, args.build, sys.stdout.buffer)
        print(f"build {build_id} exported", file=sys.stderr)
        return EXIT_OK
    target = Path(args.output)
    # Written beside the target and renamed: a failed export leaves no half file to ship.
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            build_id = export_build(settings, args.build, fh)
        tmp.replace(target)
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    print(f"build {build_id} exported to {target} ({target.stat().st_size:,} bytes)")
    return EXIT_OK


def cmd_builds_import(args: argparse.Namespace, settings: Settings) -> int:
    if args.file == "-":
        build_id, previous, moved = import_build(settings, sys.stdin.buffer, "standard input")
    else:
        try:
            fh = Path(args.file).open("rb")
        except OSError as exc:
            raise BadInput(f"cannot read {args.file}: {exc.strerror or exc}") from exc
        with fh:
            build_id, previous, moved = import_build(settings, fh, args.file)
    if not moved:
        print(f"build {build_id} is already current")
        return EXIT_OK
    print(
        f"build {build_id} imported (every file matched its checksum) and current (was {previous or 'none'}); "
        f"a running service switches to it within {settings.watch_interval_s:g} s"
    )
    return EXIT_OK


def cmd_docs_list(args: argparse.Namespace, settings: Settings) -> int:
    build_id, docs = current_documents(settings)
    if args.json:
        print(json.dumps({"build_id": build_id, "documents": docs}, indent=2))
        return EXIT_OK
    print(f"{len(docs)} documents in build {build_id}:")
    for doc in docs:
        where = doc["url"] or doc["source"]
        scope = f" [{doc['scope']}]" if doc["scope"] else ""
        print(f"- {doc['doc_id']}: {doc['title']}{scope} <{where}>")
    return EXIT_OK


def cmd_docs_remove(args: argparse.Namespace, settings: Settings) -> int:
    done = remove_document(settings, args.doc)
    if args.json:
        print(json.dumps(asdict(done), indent=2))
        return EXIT_FAILED if done.notes else EXIT_OK
    c = done.counts
    print(
        f"removed {done.doc_id}: new build {done.build_id} (was {done.previous}): {c.get('documents', 0)} documents, "
        f"{c.get('facts', 0)} facts, {c.get('chunks', 0)} chunks; a running service switches to it "
        f"within {settings.watch_interval_s:g} s"
    )
    if done.deleted:
        print(f"deleted {done.deleted} from the docs directory")
    if done.left_in_place:
        print(f"its source {done.left_in_place} is outside the docs directory and was left in place")
    for note in done.notes:
        print(f"warning: {note}", file=sys.stderr)
    return EXIT_FAILED if done.notes else EXIT_OK


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)
