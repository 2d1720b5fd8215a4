"""A replica follows its primary's builds (HAKB_PRIMARY_URL).

Every HAKB_PRIMARY_POLL seconds it asks the primary's `GET /v1/builds/current` which build
it serves; when that is not the build current here, it fetches the export, checks every
file against its checksum (`hakb.ingest.builds.import_build`) and points CURRENT at it.
Each worker's build watcher then moves to it as after an ingest or a rollback. The builds
no longer kept are removed, on a Chroma server their collections too, as an ingest does. A primary
that cannot be reached, or an export that fails its checks, is logged and tried again at
the next poll; nothing here stops the server.

With several workers, one follows at a time: the one holding `<index>/.follower.lock`
(a worker that exits lets go of it, and another takes it at its next poll).
"""

from __future__ import annotations

import fcntl
import logging
import tempfile
import threading
import time
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx

from hakb import __version__
from hakb.errors import HakbError
from hakb.ingest import builds
from hakb.settings import Settings

if TYPE_CHECKING:
    from hakb.service.index import BuildHolder

log = logging.getLogger(__name__)

LOCK_NAME = ".follower.lock"
REQUEST_TIMEOUT_S = 30.0
REPEAT_LOG_S = 60.0  # the same failure is logged again at most this often
MAX_TRIES_PER_BUILD = 3  # a build refused this often is left until the primary moves on


class PrimaryUnreachable(HakbError):
    """The primary did not answer, or answered with something other than a build."""


class ReplicaFollower:
    """Polls the primary in a daemon thread (`start`, `stop`); `poll_once` does one round."""

    def __init__(self, settings: Settings) -> None:
        if not settings.primary_url:
            raise ValueError("a replica needs HAKB_PRIMARY_URL")
        self.primary = settings.primary_url.rstrip("/")
        self.shown = shown_url(self.primary)  # in logs and messages: no credentials
        self.index_dir = settings.index_dir
        self.interval_s = settings.primary_poll_s
        self.chroma_host, self.chroma_port = settings.chroma_host, settings.chroma_port
        self.embedder_dir = settings.embedder_dir
        self.headers = {"User-Agent": f"hakb-replica/{__version__}"}
        if settings.primary_key:
            self.headers["Authorization"] = f"Bearer {settings.primary_key}"
        self._embedder_name: str | None = None
        self._tries: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[str] | None = None
        self._last_problem: tuple[str, float] | None = None

    # -- one round -------------------------------------------------------------------

    def poll_once(self) -> str | None:
        """Make the primary's current build current here; its id when CURRENT moved."""
        with httpx.Client(base_url=self.primary, headers=self.headers, timeout=REQUEST_TIMEOUT_S) as client:
            info = self._get_json(client, "/v1/builds/current")
            build_id, export = str(info.get("build_id") or ""), str(info.get("export") or "")
            if not build_id or not export.startswith("/"):
                raise PrimaryUnreachable(f"{self.shown}/v1/builds/current did not name a build and its export")
            if build_id == builds.current_build_id(self.index_dir):
                return None
            if self._tries.get(build_id, 0) >= MAX_TRIES_PER_BUILD:
                return None  # refused each time already: said so in the log
            if self._switch_to_kept(build_id):
                return build_id
            with tempfile.TemporaryFile(prefix="hakb-fetch-") as spool:
                self._download(client, export, spool)
                spool.seek(0)
                try:
                    installed, moved = builds.import_build(
                        self.index_dir,
                        spool,
                        chroma_host=self.chroma_host,
                        chroma_port=self.chroma_port,
                        embedder=self._embedder(),
                        label=f"build {build_id} from {self.shown}",
                    )
                except builds.ImportRefused:
                    self._tries[build_id] = self._tries.get(build_id, 0) + 1
                    raise
        self._tries.pop(build_id, None)
        if moved:
            log.info("replica: build %s from %s is current", installed, self.shown)
        return installed if moved else None

    def _get_json(self, client: httpx.Client, path: str) -> dict[str, object]:
        try:
            response = client.get(path)
        except httpx.HTTPError as exc:
            raise PrimaryUnreachable(f"cannot reach the primary {self.shown}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise PrimaryUnreachable(f"{self.shown}{path} answered {response.status_code}: {_said(response)}")
        try:
            body = response.json()
        except ValueError as exc:
            raise PrimaryUnreachable(f"{self.shown}{path} answered no JSON") from exc
        if not isinstance(body, dict):
            raise PrimaryUnreachable(f"{self.shown}{path} answered no JSON object")
        return body

    def _download(self, client: httpx.Client, path: str, out: IO[bytes]) -> None:
        total = 0
        try:
            with client.stream("GET", path) as response:
                if response.status_code != 200:
                    response.read()
                    raise PrimaryUnreachable(f"{self.shown}{path} answered {response.status_code}: {_said(response)}")
                for block in response.iter_bytes(1 << 16):
                    total += len(block)
                    if total > builds.MAX_IMPORT_BYTES:
                        raise PrimaryUnreachable(f"{self.shown}{path} sent more than a build can hold")
                    out.write(block)
        except httpx.HTTPError as exc:
            raise PrimaryUnreachable(f"fetching {self.shown}{path} failed: {type(exc).__name__}: {exc}") from exc

    def _switch_to_kept(self, build_id: str) -> bool:
        """A build still kept here (the primary rolled back to it): current again once it reads whole."""
        if build_id not in builds.finished_builds(self.index_dir):
            return False
        with builds.locked(self.index_dir):
            try:
                builds.read_build(self.index_dir, build_id)
            except builds.BuildError as exc:
                log.warning("replica: kept build %s is damaged, fetching it again: %s", build_id, exc)
                return False
            builds.set_current(self.index_dir, build_id)
        log.info("replica: build %s (kept here) is current again, as on %s", build_id, self.shown)
        return True

    def _embedder(self) -> str:
        if self._embedder_name is None:
            from hakb.ingest.embedder import OnnxEmbedder

            self._embedder_name = OnnxEmbedder(self.embedder_dir).name  # hashes the file; loads nothing
        return self._embedder_name

    # -- the thread ------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hakb-replica", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)  # a daemon: a fetch in flight does not hold up the exit
            self._thread = None
        if self._lock_file is not None:
            self._lock_file.close()  # lets go of the lock
            self._lock_file = None

    def _run(self) -> None:
        wait = 0.0  # the first round at once: a new replica serves as soon as it can
        while not self._stop.wait(wait):
            wait = self.interval_s
            if not self._leading():
                continue
            try:
                self.poll_once()
            except Exception as exc:  # the follower must outlive any one failure
                self._problem(exc)
            else:
                if self._last_problem is not None:
                    log.info("replica: following %s again", self.shown)
                    self._last_problem = None

    def _leading(self) -> bool:
        """Whether this process holds the follower lock (taking it when free)."""
        if self._lock_file is not None:
            return True
        self.index_dir.mkdir(parents=True, exist_ok=True)
        fh = (self.index_dir / LOCK_NAME).open("a")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._lock_file = fh
        log.info("replica: following %s every %g s", self.shown, self.interval_s)
        return True

    def _problem(self, exc: Exception) -> None:
        """Log a failure once, then again only when it changes or a minute has passed."""
        message = str(exc) if isinstance(exc, HakbError) else f"{type(exc).__name__}: {exc}"
        now = time.monotonic()
        last = self._last_problem
        if last is None or last[0] != message or now - last[1] >= REPEAT_LOG_S:
            log.warning("replica: %s; trying again every %g s", message, self.interval_s)
            self._last_problem = (message, now)


def _said(response: httpx.Response) -> str:
    """What an error response says, in one short line."""
    try:
        body = response.json()
        text = str(body.get("detail") or body.get("message") or body) if isinstance(body, dict) else str(body)
    except ValueError:
        text = response.text
    return " ".join(text.split())[:200] or response.reason_phrase


def shown_url(url: str) -> str:
    """`url` as logs and clients may see it: without user:password, query or fragment."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def follow_primary(settings: Settings, holder: BuildHolder | None = None) -> ReplicaFollower | None:
    """Start following when HAKB_PRIMARY_URL is set; None otherwise. Until the first build
    lands, `holder` (this worker's; its next refresh) says the replica waits for the primary,
    not for an ingest."""
    if not settings.primary_url:
        return None
    follower = ReplicaFollower(settings)
    if holder is not None:
        holder.awaiting = f"waiting for the first build from the primary {follower.shown} (HAKB_PRIMARY_URL)"
    follower.start()
    return follower
