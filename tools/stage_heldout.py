"""The whole semantic coder's stages on the interview corpus, each industry coded with a stage head
that never saw it.

The shipped heads were fitted on the whole corpus, so coding the corpus with them flatters the
coder. Here the stage head is refitted in folds of whole industries (``train_heads.CV_FOLDS``,
the stage C of ``train_heads.Settings``), and each fold's interviews are coded with their own
head inside the whole coder (keywords, prototypes, question pull, journey context). It judges a
change to the stage head's input on 10,800 turns no setting was chosen on, where the broadband
gold study has 153. The other heads stay as shipped (in-sample here); only stages are scored.
The stage head reads what the ``Settings`` give it (since heads v8 the answer's words too, and,
with ``stage`` in ``Settings.context``, the turn's context); ``--no-words`` fits it on the
features alone (heads v7's input), ``--answer-only`` on the answer's own features (heads v6's).

2026-12-06: heads v8's input (words and context too) stage macro-F1 0.742, accuracy 0.742,
with the head counted twice in the coder (``heads.HEAD_STAGE_WEIGHT`` 2; at 1: 0.727 and
0.731); heads v7's input (the answers either side, no words) at 1: 0.700 and 0.703; the answer
alone 0.692 and 0.696.

``--all-heads`` refits every head per fold (with GoEmotions; 30 minutes, ``--cache DIR`` keeps
the fold heads for the next run) and scores all four dimensions, each industry coded by heads
that never saw it. 2026-12-06, heads v8: stage macro-F1 0.742, touchpoint micro-F1 0.712,
emotion macro-F1 0.473, valence r 0.682 (broadband, the test gold study: 0.760, 0.720, 0.400,
0.636).

    .venv/bin/python -m pip install -e '.[train,semantic]'
    .venv/bin/python tools/stage_heldout.py [--no-words] [--answer-only]    # 4-8 minutes
    .venv/bin/python tools/stage_heldout.py --all-heads [--cache DIR]       # 30 minutes

``--save FILE`` writes the held-out coded table (one row per corpus turn) for a closer look.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
import train_heads
from sklearn.metrics import f1_score

from cjm_research.codebook import load_codebook
from cjm_research.coding import code_transcripts
from cjm_research.coding.heads import save_heads, shipped_heads
from cjm_research.coding.semantic import SemanticCoder
from cjm_research.evaluate import evaluate
from cjm_research.resources import default_codebook_path
from cjm_research.study import load_study


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-words", action="store_true", help="heads v7's stage input")
    parser.add_argument("--answer-only", action="store_true", help="heads v6's stage input")
    parser.add_argument(
        "--all-heads", action="store_true", help="refit every head per fold; score all four"
    )
    parser.add_argument("--cache", type=Path, help="keep (and reuse) the fold heads here")
    parser.add_argument("--save", type=Path, help="write the held-out coded table (CSV) here")
    args = parser.parse_args(argv)
    settings = train_heads.Settings()
    if args.no_words or args.answer_only:
        context = tuple(n for n in settings.context if n != "stage")
        settings = replace(settings, stage_words=False, context=context)
    codebook = load_codebook(default_codebook_path())
    go = train_heads.GOEMOTIONS if args.all_heads else None
    data = train_heads.load_corpus(train_heads.CORPUS, codebook, go)
    x = data.x if args.answer_only else data.stage_x
    industry = dict(zip(data.table["segment_id"], data.groups, strict=True))
    transcripts = load_study(train_heads.CORPUS).transcripts
    shipped = shipped_heads()
    assert shipped is not None, "the shipped heads are missing"
    coded = []
    folds = train_heads.grouped_folds(data.groups, k=train_heads.CV_FOLDS)
    for n, (train, test) in enumerate(folds, 1):
        # The fold's own vocabularies: the other heads lose their words here (only stages are
        # scored, and nothing else of them reaches a stage).
        cached = None if args.cache is None else args.cache / f"fold-{n}.npz"
        if cached is not None and cached.is_file():
            heads = shipped_heads(cached)
        elif args.all_heads:
            heads = train_heads.fit_heads(data, codebook, settings, train)
        else:
            head, text, context = train_heads.fit_stage_alone(data, settings, train, x)
            heads = replace(shipped, stage=head, text=text, context=context)
        if cached is not None and not cached.is_file():
            cached.parent.mkdir(parents=True, exist_ok=True)
            save_heads(heads, cached)
        coder = SemanticCoder(codebook, heads=heads)
        held_out = set(data.groups[test])
        mine = [t for t in transcripts if t.interview_id.split("-")[0] in held_out]
        coded.append(code_transcripts(mine, coder))
        print(f"fold {n}/{len(folds)}: {', '.join(sorted(held_out))}", file=sys.stderr)
    table = pd.concat(coded)
    table = table[table["segment_id"].isin(industry)]
    if args.save is not None:
        table.to_csv(args.save, index=False)
    gold = data.table.set_index("segment_id")["stage"].reindex(table["segment_id"]).fillna("")
    truth, machine = gold.replace("", "-").to_numpy(), table["stage"].fillna("").replace("", "-")
    print(
        f"{len(table)} corpus turns, industries held out: stage macro-F1 "
        f"{f1_score(truth, machine.to_numpy(), average='macro'):.3f}, "
        f"accuracy {(truth == machine.to_numpy()).mean():.3f}"
    )
    if args.all_heads:
        gold = data.table[["segment_id", "stage", "touchpoints", "emotion", "valence"]]
        result = evaluate(gold.astype(str).replace("nan", ""), table)
        print(
            f"touchpoint micro-F1 {result.touchpoints.micro_f1:.3f}, emotion macro-F1 "
            f"{result.emotion.macro_f1:.3f}, valence r {result.valence.pearson:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
