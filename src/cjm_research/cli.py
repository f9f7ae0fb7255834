"""The ``cjm`` command. Exit status: 0 success, 2 bad input (file:line messages), 1 failure."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .batch import FORMATS, code_study, run_reports, write_manifest, write_segments
from .coding import coders
from .model import CJMInputError
from .resources import example_study_dir
from .study import Study, load_study

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load(study_dir: str) -> Study:
    root = Path(study_dir)
    if not root.is_dir():
        raise CJMInputError("study folder not found", root, hint="pass --study DIR")
    study = load_study(root)
    for problem in study.problems:
        _say(f"{problem.severity}: {problem}")
    if not study.transcripts:
        raise CJMInputError(
            "no readable transcripts in the study folder",
            root,
            hint="add .txt, .md, .vtt, .srt or .docx interviews (see README: study folder)",
        )
    return study


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a new study folder from the bundled example."""
    target = Path(args.dir)
    if target.exists() and any(target.iterdir()):
        raise CJMInputError("folder exists and is not empty", target, hint="choose a new folder")
    shutil.copytree(example_study_dir(), target, dirs_exist_ok=True)
    _say(f"created {target} from the example study; edit or replace its interviews and personas")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every input; exit 2 when there are errors."""
    study = _load(args.study)
    errors, warnings = len(study.errors), len(study.warnings)
    _say(
        f"{len(study.transcripts)} transcripts, {len(study.personas)} personas: "
        f"{errors} errors, {warnings} warnings"
    )
    return EXIT_INPUT if errors else EXIT_OK


def cmd_code(args: argparse.Namespace) -> int:
    """Code all transcripts into the segments table."""
    study = _load(args.study)
    coded = code_study(study, args.coder, progress=_say)
    out = Path(args.out) if args.out else Path(args.study) / "reports" / "segments.parquet"
    write_segments(coded.segments, out)
    _say(f"wrote {out} ({len(coded.segments)} rows)")
    return EXIT_INPUT if study.errors else EXIT_OK


def cmd_reports(args: argparse.Namespace) -> int:
    """Code the study and build every persona's reports."""
    started = time.perf_counter()
    study = _load(args.study)
    out = Path(args.out) if args.out else Path(args.study) / "reports"
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    batch = run_reports(
        study,
        out,
        personas=args.persona or (),
        formats=formats,
        jobs=args.jobs,
        coder=args.coder,
        progress=_say,
    )
    write_manifest(out, study, batch, time.perf_counter() - started)
    _say(f"\n{'persona':<24}{'status':<8}{'seconds':>8}  outputs")
    for r in batch.results:
        _say(f"{r.persona_id:<24}{r.status:<8}{r.seconds:>8.1f}  {len(r.outputs)} files {r.error}")
    if batch.skipped_files:
        _say(f"skipped (input errors): {', '.join(batch.skipped_files)}")
    _say(f"index: {out / 'index.html'}")
    if not batch.ok:
        return EXIT_FAILED
    return EXIT_INPUT if study.errors else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cjm``."""
    parser = argparse.ArgumentParser(prog="cjm", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cjm-research {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="scaffold a new study with an example")
    p.add_argument("dir")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("validate", help="check every input of a study")
    p.add_argument("--study", default=".", help="study folder (default: current directory)")
    p.set_defaults(func=cmd_validate)

    coder_help = f"coder: auto (default) or one of {', '.join(coders())}"
    p = sub.add_parser("code", help="code all transcripts into the segments table")
    p.add_argument("--study", default=".")
    p.add_argument("--coder", default="auto", help=coder_help)
    p.add_argument(
        "--out",
        help="table to write: .parquet (default STUDY/reports/segments.parquet), .csv or .xlsx",
    )
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("reports", help="build the journey reports of every persona")
    p.add_argument("--study", default=".")
    p.add_argument("--persona", action="append", help="only this persona (repeatable)")
    p.add_argument("--format", default=",".join(FORMATS), help="docx,html (default both)")
    p.add_argument("--jobs", type=int, default=1, help="personas built in parallel (default 1)")
    p.add_argument("--coder", default="auto", help=coder_help)
    p.add_argument("--out", help="output folder (default STUDY/reports)")
    p.set_defaults(func=cmd_reports)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cjm``; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CJMInputError as exc:
        _say(f"error: {exc}")
        return EXIT_INPUT
    except ValueError as exc:
        _say(f"error: {exc}")
        return EXIT_INPUT
    except KeyboardInterrupt:
        _say("interrupted; finished reports were kept, unfinished ones were not written")
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
