"""The wheel: `hakb` is its one top-level package, and it works installed on its own.

`pip wheel --no-deps` of a copy of the sources (the working tree gets no build/ or
egg-info), then a fresh venv with that wheel installed and the dependencies borrowed
from this venv (a path in a .pth file: no network, no reinstall), and there
`hakb --version` and `hakb ask` over a small build. The installed code must be
what runs: nothing may come from the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import hakb
from hakb.devserver import clean_env
from tests.conftest import REPO, copy_data_dir

# What setuptools needs to build: the package-dir mapping's folders and the metadata.
SOURCES = ("pyproject.toml", "README.md", "hakb", "ingest", "service", "eval")
FOLDER_PACKAGES = {"hakb": "hakb", "ingest": "hakb/ingest", "service": "hakb/service", "eval": "hakb/eval"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "results"))
        else:
            shutil.copy2(path, src / name)
    out = root / "dist"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
        cwd=root,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = out.glob("*.whl")
    return built


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        return z.namelist()


def test_the_wheel_holds_hakb_alone(wheel: Path) -> None:
    assert wheel.name.startswith(f"hakb-{hakb.__version__}-")
    top = {name.split("/")[0] for name in _names(wheel)}
    assert top == {"hakb", f"hakb-{hakb.__version__}.dist-info"}


def test_every_package_and_its_data_are_inside(wheel: Path) -> None:
    names = set(_names(wheel))
    # Every folder with an __init__.py, at its installed place (pyproject's `packages`
    # must list a new sub-package, or it silently stays out of the wheel).
    for folder, package in FOLDER_PACKAGES.items():
        for init in (REPO / folder).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            installed = f"{package}/{init.relative_to(REPO / folder).as_posix()}"
            assert installed in names, f"{init.relative_to(REPO)} is not in the wheel (add it to pyproject's packages)"
    static = {p.name for p in (REPO / "service" / "static").iterdir() if p.is_file()}
    assert static and {f"hakb/service/static/{n}" for n in static} <= names
    gold = {p.name for p in (REPO / "eval").glob("*.jsonl")}
    assert gold and {f"hakb/eval/{n}" for n in gold} <= names


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv holding the wheel; the dependencies are this venv's, by path."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # A plain path line: this venv's packages become importable, but its .pth files
    # (the editable install's finder among them) are not run, so `hakb` is the wheel's.
    (site / "_hakb_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield venv


def _run(venv: Path, *args: str, env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Not the repository: a cwd holding hakb/ would shadow the installed package.
    assert REPO not in (cwd, *cwd.parents)
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=clean_env({"PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}),
    )


def test_the_installed_package_is_the_one_that_runs(installed: Path, tmp_path: Path) -> None:
    probe = "import hakb, hakb.ingest, hakb.service, hakb.eval; print(hakb.__file__); print(hakb.service.__file__)"
    done = _run(installed, str(installed / "bin" / "python"), "-c", probe, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for line in done.stdout.split():
        assert Path(line).resolve().is_relative_to(installed.resolve()), line


def test_hakb_version(installed: Path, tmp_path: Path) -> None:
    done = _run(installed, str(installed / "bin" / "hakb"), "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"hakb {hakb.__version__}"


def test_hakb_ask_over_a_small_build(installed: Path, seed_data_dir: Path, tmp_path: Path) -> None:
    data_dir = copy_data_dir(seed_data_dir, tmp_path / "data")
    done = _run(
        installed,
        str(installed / "bin" / "hakb"),
        "ask",
        "--json",
        "what port does ha1 use?",
        env={"HAKB_DATA_DIR": str(data_dir)},
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["kind"] == "fact" and answer["citations"], answer
    assert answer["build_id"] == (data_dir / "index" / "CURRENT").read_text().strip()
