"""Builds that ship between replicas (issue 13): `hakb builds export` writes a sealed build
with every file's checksum, `hakb builds import` installs it only when every file matches;
a corrupted or truncated export is refused and the current build stays. Run as a user runs
them (the CLI), over two real builds: the seed, then the seed plus one more page."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from hakb.ingest import builds
from hakb.ingest.embedder import OnnxEmbedder
from tests.conftest import copy_data_dir, ingest, run_hakb

PAGE = Path(__file__).parent / "fixtures" / "html" / "ports.html"
QUESTION = "what uses port 28922?"  # only the page says


@pytest.fixture(scope="module")
def shipped(seed_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """(a data dir whose current build adds the page to the seed, that build's id, its export)."""
    root = tmp_path_factory.mktemp("shipping")
    source = copy_data_dir(seed_data_dir, root / "primary")
    result = ingest(source, [PAGE], OnnxEmbedder())
    assert result.ok and result.changed and result.build_id
    export = root / "build.tar"
    done = run_hakb("builds", "export", "-o", str(export), data_dir=source)
    assert done.returncode == 0, done.stderr
    assert f"build {result.build_id} exported to {export}" in done.stdout
    return source, result.build_id, export


def _replica(seed_data_dir: Path, tmp_path: Path) -> tuple[Path, str]:
    """A replica's data dir serving the seed build (not yet the shipped one)."""
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "replica")
    return data_dir, builds.current_build_id(data_dir / "index") or ""


def _ask(data_dir: Path) -> dict[str, object]:
    done = run_hakb("ask", "--json", QUESTION, data_dir=data_dir)
    assert done.returncode in (0, 3), done.stderr  # 3: an abstain
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_an_exported_build_imports_whole_and_answers_as_on_the_primary(
    shipped: tuple[Path, str, Path], seed_data_dir: Path, tmp_path: Path
) -> None:
    source, build_id, export = shipped
    with tarfile.open(export) as tar:
        names = tar.getnames()
    assert names[0] == f"{build_id}/checksums.json" and f"{build_id}/manifest.json" in names
    assert not [n for n in names if "/chroma/" in n]  # remade from vectors.npy where it lands

    replica, before = _replica(seed_data_dir, tmp_path)
    _, seed = builds.read_build(replica / "index", before)
    assert not [f for f in seed.facts if f.value == "28922"]  # the seed says nothing of the page's port
    done = run_hakb("builds", "import", str(export), data_dir=replica)
    assert done.returncode == 0, done.stderr
    assert f"build {build_id} imported (every file matched its checksum) and current (was {before})" in done.stdout
    assert builds.current_build_id(replica / "index") == build_id

    here, there = _ask(replica), _ask(source)
    assert here["build_id"] == there["build_id"] == build_id
    assert here["answer"] == there["answer"] and "Control link traffic, encrypted" in str(here["answer"])
    assert here["citations"] == there["citations"]

    again = run_hakb("builds", "import", str(export), data_dir=replica)
    assert again.returncode == 0 and f"build {build_id} is already current" in again.stdout


def _tampered(export: Path, old: bytes, new: bytes) -> bytes:
    """The export with one value of its facts changed, as a man in the middle would."""
    out = io.BytesIO()
    with tarfile.open(export) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
            if member.name.endswith("/facts.jsonl"):
                assert old in data
                data = data.replace(old, new)
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out.getvalue()


def _end_of_first_member(export: Path) -> int:
    with tarfile.open(export) as tar:
        first = tar.next()
        assert first is not None
        return first.offset_data + -(-first.size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("tampered", "facts.jsonl does not match its checksum (the file is damaged or was altered)"),
        ("truncated", "it is truncated or not a build export"),
        ("cut after checksums", "is missing (the file is truncated or was cut)"),
        ("not a tar", "it is truncated or not a build export"),
    ],
)
def test_a_damaged_export_is_refused_and_the_current_build_stays(
    shipped: tuple[Path, str, Path], seed_data_dir: Path, tmp_path: Path, damage: str, said: str
) -> None:
    _, build_id, export = shipped
    data = export.read_bytes()
    bad = {
        "tampered": lambda: _tampered(export, b'"28922"', b'"28999"'),
        "truncated": lambda: data[: len(data) // 2],
        "cut after checksums": lambda: data[: _end_of_first_member(export)] + b"\0" * 1024,  # a clean end
        "not a tar": lambda: b"<html>502 Bad Gateway</html>" * 40,
    }[damage]()
    file = tmp_path / "bad.tar"
    file.write_bytes(bad)
    replica, before = _replica(seed_data_dir, tmp_path)

    done = run_hakb("builds", "import", str(file), data_dir=replica)

    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert f"{file} refused, the current build is unchanged: " in done.stderr and said in done.stderr
    assert builds.current_build_id(replica / "index") == before
    assert build_id not in builds.finished_builds(replica / "index")
    assert not list((replica / "index" / builds.INCOMING_DIR).iterdir())  # nothing left half-unpacked


def test_export_names_an_unknown_build_and_import_an_unreadable_file(
    shipped: tuple[Path, str, Path], tmp_path: Path
) -> None:
    source, _, _ = shipped
    unknown = run_hakb("builds", "export", "b2020", "-o", str(tmp_path / "x.tar"), data_dir=source)
    assert unknown.returncode == 2 and "no sealed build 'b2020'" in unknown.stderr
    assert not (tmp_path / "x.tar").exists()
    missing = run_hakb("builds", "import", str(tmp_path / "none.tar"), data_dir=source)
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "No such file" in missing.stderr
