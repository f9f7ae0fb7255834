"""Rebuild ``coding/data/token-counts.npz``: how often each WordPiece token occurs in GoEmotions.

The semantic coder's word vectors (``embeddings.WordVectors``) weigh each token of a turn by
a / (a + p(token)) — smooth inverse frequency — so "the" and "um" count for little and
"refund" for much. p comes from these counts: every token of the GoEmotions train split
(43,410 Reddit comments, Apache-2.0), tokenised with the model's own tokenizer. Written comments
rarely say "um" or "[laughs]", which fill spoken transcripts and say nothing about the journey:
those tokens (``SPOKEN``) are counted as often as the commonest token.

    .venv/bin/python tools/token_counts.py [GOEMOTIONS_DIR]

GOEMOTIONS_DIR defaults to ../shared/data/goemotions (beside this repository).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from cjm_research.coding.embeddings import TOKEN_COUNTS_PATH, TOKENIZER_PATH

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "data" / "goemotions"
#: Disfluencies, backchannels and transcript annotations (whole words, as the tokenizer splits
#: them: "erm" is "er" + "##m", and both are counted).
SPOKEN = (
    "um umm uh uhh er erm ah ahh oh mm mmm mhm hmm hm huh yeah yep yup okay ok "
    "laughs laughter laughing chuckles sighs pause pauses inaudible crosstalk unintelligible"
).split()


def main(folder: Path = DEFAULT) -> None:
    """Count the train split's tokens and write them beside the tokenizer."""
    with open(folder / "train.tsv", encoding="utf-8", newline="") as handle:
        texts = [row[0] for row in csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    counts = np.zeros(tokenizer.get_vocab_size(), dtype=np.int32)
    for encoding in tokenizer.encode_batch(texts, add_special_tokens=False):
        np.add.at(counts, encoding.ids, 1)
    read = int(counts.sum())
    for encoding in tokenizer.encode_batch(SPOKEN, add_special_tokens=False):
        counts[encoding.ids] = counts.max()
    np.savez_compressed(TOKEN_COUNTS_PATH, counts=counts, texts=np.int32(len(texts)))
    print(f"{len(texts):,} texts, {read:,} tokens -> {TOKEN_COUNTS_PATH}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
