"""The ``cjm`` command. Exit status: 0 success, 2 bad input (file:line messages), 1 failure,
130 interrupted."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cjm_research import __version__
from cjm_research.exceptions import CJMInputError
from cjm_research.model import EXECUTORS, REPORT_FORMATS, UNCODED_POLICIES

# Each command imports what it needs when it runs: `cjm --help` and a no-change `cjm reports`
# must not pay for pandas, matplotlib, onnxruntime or papermill.
if TYPE_CHECKING:
    from cjm_research.study import Study

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2
#: Interrupted (Ctrl-C, SIGTERM): 128 + SIGINT, as shells report it.
EXIT_INTERRUPTED = 130


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _load(study_dir: str) -> Study:
    from cjm_research.study import load_study

    root = Path(study_dir)
    if root.is_file():
        raise CJMInputError("is a file, not a study folder", root, hint="pass --study DIR")
    if not root.is_dir():
        raise CJMInputError("study folder not found", root, hint="pass --study DIR")
    study = load_study(root)
    for line in study.problem_lines():
        _say(line)
    if not study.transcripts:
        raise CJMInputError(
            "no readable transcripts in the study folder",
            root,
            hint="add .txt, .md, .vtt, .srt, .sbv or .docx interviews (see README: study folder)",
        )
    return study


def _output(path: str, suffixes: tuple[str, ...], overwrite: bool, what: str) -> Path:
    """Check a file to write before any work: its kind by suffix, not a folder, and not an
    existing file unless ``overwrite`` (a review sheet re-exported over a colleague's half-done
    one, or a coded table written over the study's participants.csv, was lost without a word)."""
    out = Path(path)
    if out.is_dir():
        raise CJMInputError(f"{what} is a folder, not a file", out, hint="name a file to write")
    if out.suffix.lower() not in suffixes:
        raise CJMInputError(
            f"{what} must be {' or '.join(suffixes)}", out, hint=f"name it {out.stem}{suffixes[0]}"
        )
    if out.exists() and not overwrite:
        raise CJMInputError(
            f"{what} exists already and would be overwritten",
            out,
            hint="choose another name, or pass --overwrite to replace it",
        )
    return out


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (``--jobs 0`` ran nothing, said nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def cmd_init(args: argparse.Namespace) -> int:
    """Scaffold a new study folder from the bundled example."""
    from cjm_research.resources import copy_example_study

    target = copy_example_study(args.dir)
    _say(
        f"created {target} from the example study; edit or replace its interviews and personas. "
        f"It codes with the default codebook: `cjm codebook --study {target}` writes it there "
        "as codebook.yaml for you to adapt"
    )
    return EXIT_OK


def cmd_codebook(args: argparse.Namespace) -> int:
    """Write the default codebook into the study as ``codebook.yaml``, the researcher's own."""
    from cjm_research.codebook import write_default_copy

    if not Path(args.study).is_dir():
        raise CJMInputError("study folder not found", args.study, hint="pass --study DIR")
    target = write_default_copy(args.study)
    _say(f"wrote {target}: the default codebook, yours to adapt (its first lines say how)")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Check every input; exit 2 when there are errors."""
    from cjm_research.coding.human import study_problems
    from cjm_research.insights import insight_problems
    from cjm_research.privacy import persona_name_problems, unlisted_names

    study = _load(args.study)
    errors, warnings = len(study.errors), len(study.warnings)
    # reports fail on insights' problems, and leave out human codes they cannot place
    named = [*unlisted_names(study), *persona_name_problems(study)]
    for problem in [*insight_problems(study), *study_problems(study), *named]:
        _say(problem.display(study.root))
        errors += problem.severity == "error"
        warnings += problem.severity == "warning"
    _say(
        f"{len(study.transcripts)} transcripts, {len(study.personas)} personas: "
        f"{errors} errors, {warnings} warnings"
    )
    return EXIT_INPUT if errors else EXIT_OK


def cmd_code(args: argparse.Namespace) -> int:
    """Code all transcripts into the segments table."""
    from cjm_research import segments
    from cjm_research.run.batch import code_study, study_cache
    from cjm_research.study import work_dir

    # A coded table cjm wrote before is replaced as a re-run should; anything else is not.
    out = Path(args.out) if args.out else work_dir(args.study) / "segments.parquet"
    if args.out:
        _output(args.out, (".parquet", ".csv", ".xlsx"), _is_coded_table(out), "--out")
    study = _load(args.study)
    coded = code_study(study, args.coder, progress=_say, cache=study_cache(study.root))
    segments.write(coded.segments, out)
    rows = len(coded.segments)
    _say(f"wrote {out} ({rows} {'row' if rows == 1 else 'rows'})")
    return EXIT_INPUT if study.errors else EXIT_OK


def _is_coded_table(path: Path) -> bool:
    """Whether ``path`` is a coded segments table (``cjm code --out`` wrote it): one to replace."""
    from cjm_research import segments

    try:
        return path.is_file() and "segment_id" in segments.read(path).columns
    except Exception:  # unreadable as a table: not ours to overwrite
        return False


def cmd_reports(args: argparse.Namespace) -> int:
    """Code the study and build the reports of every persona whose inputs changed."""
    from cjm_research.run.index import summary_table
    from cjm_research.run.manifest import unchanged_reports

    out = Path(args.out) if args.out else Path(args.study) / "reports"
    if out.is_file():  # found before any coding, not reported as a bug after it
        raise CJMInputError("--out is a file, not a folder", out, hint="name a folder for reports")
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    if args.min_alpha is not None:
        _agreement_gate(args)
    options = {"personas": args.persona or (), "formats": formats, "coder": args.coder}
    options["redact"] = not args.no_redact
    # The cheap check first (file hashes against the manifest): no study loading when unchanged.
    batch = None if args.force else unchanged_reports(Path(args.study), out, **options)
    if batch is None:
        from cjm_research.run.batch import run_reports  # pandas, the coders: only with work to do

        study = _load(args.study)
        batch = run_reports(
            study,
            out,
            **options,
            jobs=args.jobs,
            executor_kind=args.executor,
            scheduler=args.scheduler or "",
            force=args.force,
            timeout=args.timeout,
            progress=_say,
        )
    else:
        _say("nothing changed since the last run: every report is up to date (--force rebuilds)")
        for line in batch.warnings:  # said when the reports were built: still true
            _say(f"warning: {line}")
    _say("\n" + summary_table(batch))
    if batch.skipped_files:
        _say(f"skipped (input errors): {', '.join(batch.skipped_files)}")
    _say(f"index: {out / 'index.html'}")
    if not batch.ok:
        return EXIT_FAILED
    return EXIT_INPUT if batch.skipped_files else EXIT_OK


def cmd_review_export(args: argparse.Namespace) -> int:
    """Write the review sheet: current codes, confidence, evidence, drop-downs (XLSX) or CSV."""
    from cjm_research.exchange import review_export
    from cjm_research.exchange.selection import next_for_review
    from cjm_research.run.batch import code_study, study_cache

    _output(args.file, (".xlsx", ".csv"), args.overwrite, "the review sheet")
    study = _load(args.study)
    if args.segments:
        table = review_export.current_codes(
            review_export.read_segments(args.segments), study.root, study.codebook
        )
    else:
        table = code_study(study, progress=_say, cache=study_cache(study.root)).segments
    chosen = None
    if args.next is not None:
        picked = next_for_review(table, args.next)
        chosen = list(picked["segment_id"])
    written = review_export.export_review(
        args.file, table, study.codebook, title=f"Review: {study.root.name}", only=chosen
    )
    flagged = int((written["review"] == review_export.CHECK).sum())
    what = (
        f"the {len(written)} turns that teach the coder most (of those without a human code)"
        if chosen is not None
        else f"{len(written)} participant segments"
    )
    _say(
        f"wrote {args.file}: {what}, {flagged} flagged '{review_export.CHECK}' (a stage or "
        f"touchpoint code below confidence {review_export.LOW_CONFIDENCE}); mark each row you "
        "checked 'done'"
    )
    return EXIT_OK


def cmd_review_import(args: argparse.Namespace) -> int:
    """Record the rows a reviewer changed as their human codes in STUDY/coding/."""
    from cjm_research.exchange.review_export import DONE
    from cjm_research.exchange.review_import import import_review
    from cjm_research.run.batch import code_study, study_cache

    study = _load(args.study)
    segments = code_study(study, cache=study_cache(study.root)).segments
    result = import_review(args.file, segments, study.codebook, study.root, args.coder)
    counts = ", ".join(f"{name} {n}" for name, n in result.changed.items())
    changed = len(result.recorded) - result.confirmed
    _say(
        f"{args.file}: {result.rows} rows; recorded for {args.coder} in {result.coder_file}: "
        f"{changed} changed rows ({counts}) and {result.confirmed} confirmed rows "
        f"(review cell '{DONE}', codes unchanged)"
    )
    if result.revalued:
        _say(
            f"{len(result.revalued)} confirmed rows recorded at their emotion's codebook valence "
            f"(the sheet's did not read as the emotion): {', '.join(result.revalued[:5])}"
            + (" …" if len(result.revalued) > 5 else "")
            + "; type a valence in the sheet to keep your own"
        )
    if result.already_recorded:
        _say(f"{result.already_recorded} changed rows were already recorded; not repeated")
    if result.unknown_segments:
        shown = ", ".join(result.unknown_segments[:10])
        _say(f"warning: {len(result.unknown_segments)} segment ids are not in the study: {shown}")
    if result.reworded:
        _say(
            f"warning: {len(result.reworded)} recorded rows show words the study's turn of that "
            f"id no longer has: {', '.join(result.reworded[:10])} — a sheet of another study, or "
            "exported before a transcript changed; each code follows the words it was given to, "
            "and `cjm code` lists any it cannot place"
        )
    if result.unknown_edited:
        _say(
            f"error: {len(result.unknown_edited)} rows you changed or marked done were NOT "
            f"recorded, their segment ids not being in the study: "
            f"{', '.join(result.unknown_edited[:10])} — keep the segment_id column as exported "
            "(a spreadsheet may turn ids into times), or export a fresh sheet and redo them"
        )
        return EXIT_INPUT
    return EXIT_OK


def _agreement_gate(args: argparse.Namespace) -> None:
    """``--min-alpha``: refuse (exit 2) when any dimension's alpha is below the threshold."""
    from cjm_research.agreement import require_min_alpha, study_agreement
    from cjm_research.run.batch import code_study, study_cache

    study = _load(args.study)
    machine = code_study(study, args.coder, cache=study_cache(study.root)).machine
    result = study_agreement(study.root, machine, study.codebook)
    require_min_alpha(result, args.min_alpha, study.root)


def cmd_agreement(args: argparse.Namespace) -> int:
    """Inter-coder agreement between coded tables or coders of a study."""
    from collections import Counter

    from cjm_research.agreement import compute_agreement, format_agreement, resolve_coders
    from cjm_research.coding.human import unknown_codes
    from cjm_research.run.batch import code_study, study_cache
    from cjm_research.study import study_codebook

    root = Path(args.study)
    tables = resolve_coders(
        args.coders,
        root,
        lambda: code_study(_load(args.study), args.coder, cache=study_cache(args.study)).machine,
    )
    codebook = study_codebook(root)
    result = compute_agreement(tables, codebook, uncoded=args.uncoded)
    unknown = {
        name: Counter((column, code) for _, column, code in unknown_codes(table, codebook))
        for name, table in tables.items()
    }
    if any(unknown.values()) and not (root / "codebook.yaml").is_file():
        # Run outside the study (--study defaults to here), own codes read as "not in the codebook".
        _say(
            f"note: {root.resolve()} has no codebook.yaml, so the tables are read against the "
            "packaged default codebook — pass --study with the study folder whose codebook they use"
        )
    for name in tables:  # a code the codebook lost still counts: say so
        for (column, code), n in unknown[name].items():
            _say(f"note: {name}: {column} {code!r} is not in the codebook ({n} turns); "
                 "counted as a category of its own")  # fmt: skip
    return _print_result(format_agreement(result), result.to_dict(), args.json)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score the machine codes (of ``--segments`` or a fresh coding run) against a gold file."""
    from cjm_research.agreement import read_coded_table
    from cjm_research.evaluate import evaluate, format_evaluation, gold_ids, read_gold
    from cjm_research.run.batch import code_study, study_cache
    from cjm_research.study import study_codebook

    gold, study = read_gold(args.gold), args.study or "."
    if args.segments:
        machine, coder = read_coded_table(args.segments), str(args.segments)
    else:
        machine = code_study(_load(study), args.coder, cache=study_cache(study)).machine
        coder = str(machine["coder"].replace("", None).dropna().iloc[0]) if len(machine) else ""
    if not args.segments or args.study:  # the codes are the study's: read them as its codebook's
        gold = gold_ids(gold, study_codebook(study), args.gold, set(machine["segment_id"]))
    result = evaluate(gold, machine, gold_name=str(args.gold), coder=coder)
    return _print_result(format_evaluation(result) + "\n", result.to_dict(), args.json)


def _print_result(text: str, data: dict, json_to: str | None) -> int:
    """Print a result's table, or its JSON for ``-``; with a file name, also write the JSON."""
    import json

    from cjm_research.iorw import write_text

    if json_to == "-":
        print(json.dumps(data, indent=2))
        return EXIT_OK
    print(text, end="")
    if json_to:
        write_text(Path(json_to), json.dumps(data, indent=2) + "\n")
        _say(f"wrote {json_to}")
    return EXIT_OK


def cmd_export_qdpx(args: argparse.Namespace) -> int:
    """Write the study as a REFI-QDA project (.qdpx)."""
    from cjm_research.exchange import qdpx_export
    from cjm_research.run.batch import code_study, study_cache

    _output(args.file, (".qdpx",), args.overwrite, "the project")
    study = _load(args.study)
    result = qdpx_export.export_qdpx(
        study, code_study(study, args.coder, cache=study_cache(study.root)).machine, args.file
    )
    for warning in result.warnings:
        _say(f"warning: {warning}")
    _say(
        f"wrote {result.path}: {result.sources} sources, {result.selections} selections, "
        f"{result.codings} codings by {', '.join(result.users) or 'nobody'}"
    )
    return EXIT_OK


def cmd_export_qdc(args: argparse.Namespace) -> int:
    """Write the study codebook as a REFI-QDA codebook (.qdc)."""
    from cjm_research.exchange import qdpx_export
    from cjm_research.study import study_codebook

    _output(args.file, (".qdc",), args.overwrite, "the codebook file")
    qdpx_export.write_qdc(study_codebook(args.study), args.file)
    _say(f"wrote {args.file}")
    return EXIT_OK


def cmd_import_qdpx(args: argparse.Namespace) -> int:
    """Create or update a study from a REFI-QDA project (.qdpx) written by another tool."""
    from cjm_research.exchange.qdpx_import import import_qdpx

    if not Path(args.file).is_file():  # before a study folder is created for it
        raise CJMInputError("file not found", args.file, hint="give the path of a .qdpx project")
    for line in import_qdpx(args.file, args.study).lines():
        _say(line)
    return EXIT_OK


def _add_study(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--study", default=".", help="study folder (default: current directory)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cjm``."""
    parser = argparse.ArgumentParser(prog="cjm", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cjm-research {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="scaffold a new study with an example")
    p.add_argument("dir")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("codebook", help="write the default codebook into a study to adapt")
    _add_study(p)
    p.set_defaults(func=cmd_codebook)

    p = sub.add_parser("validate", help="check every input of a study")
    _add_study(p)
    p.set_defaults(func=cmd_validate)

    # The built-in coders by name (a registered plug-in coder works too; an unknown name is
    # refused with the full list when the command runs).
    coder_help = "coder: auto (default: semantic when installed, else rules), rules or semantic"
    p = sub.add_parser("code", help="code all transcripts into the segments table")
    _add_study(p)
    p.add_argument("--coder", default="auto", help=coder_help)
    p.add_argument(
        "--out",
        help="table to write: .parquet (default STUDY/.cjm/segments.parquet), .csv or .xlsx; "
        "it is the researcher's full table, not redacted (README: Privacy)",
    )
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("reports", help="build the journey reports of every persona")
    _add_study(p)
    p.add_argument("--persona", action="append", help="only this persona (repeatable)")
    p.add_argument("--format", default=",".join(REPORT_FORMATS), help="docx,html (default both)")
    p.add_argument(
        "--jobs", type=_positive, default=1, help="personas built in parallel (default 1)"
    )
    p.add_argument("--coder", default="auto", help=coder_help)
    p.add_argument("--out", help="output folder (default STUDY/reports)")
    p.add_argument("--force", action="store_true", help="rebuild every report, changed or not")
    p.add_argument("--timeout", type=int, default=600, help="seconds per persona (default 600)")
    p.add_argument("--executor", choices=EXECUTORS, default="local", help="where to run")
    p.add_argument("--scheduler", help="dask scheduler ADDRESS (tcp://host:8786); none: local")
    p.add_argument(
        "--no-redact",
        action="store_true",
        help="show real speaker labels, interview ids and contact details in the reports "
        "(default: pseudonyms, see README: Privacy)",
    )
    p.add_argument(
        "--min-alpha",
        type=float,
        help="refuse (exit 2) when Krippendorff's alpha of any dimension is below this",
    )
    p.set_defaults(func=cmd_reports)

    review = sub.add_parser("review", help="XLSX/CSV round-trip of codes for human review")
    steps = review.add_subparsers(dest="step", required=True)
    p = steps.add_parser("export", help="write a review sheet (.xlsx with drop-downs, or .csv)")
    p.add_argument("file", help="sheet to write: FILE.xlsx or FILE.csv")
    _add_study(p)
    p.add_argument("--segments", help="a coded table (cjm code --out) instead of coding afresh")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    p.add_argument(
        "--next",
        type=_positive,
        metavar="N",
        help="only the N turns whose review would teach the coder most (uncertain, rare, spread "
        "over personas and stages; never a turn you have coded)",
    )
    p.set_defaults(func=cmd_review_export)
    p = steps.add_parser("import", help="record the changed rows of a review sheet")
    p.add_argument("file", help="the edited FILE.xlsx or FILE.csv")
    p.add_argument("--coder", required=True, help="your name: recorded with every changed code")
    _add_study(p)
    p.set_defaults(func=cmd_review_import)

    p = sub.add_parser("agreement", help="inter-coder agreement between coded tables or coders")
    p.add_argument("coders", nargs="+", metavar="CODER", help="table file, coder name or 'machine'")
    p.add_argument("--study", default=".", help="study whose coders are named (default: .)")
    p.add_argument(
        "--uncoded",
        choices=UNCODED_POLICIES,
        default="exclude",
        help=(
            "units a coder left uncoded: exclude them (default) or count 'uncoded' as a category"
        ),
    )
    p.add_argument("--json", help="also write the result as JSON to this file")
    p.add_argument("--coder", default="auto", help="machine coder for 'machine' (default auto)")
    p.set_defaults(func=cmd_agreement)

    p = sub.add_parser("evaluate", help="score machine codes against a hand-coded gold file")
    p.add_argument("--gold", required=True, help="gold FILE.csv or .xlsx (README: Evaluating)")
    p.add_argument("--study", help="study to code; its codebook reads the gold (default: .)")
    p.add_argument("--coder", default="auto", help=coder_help)
    p.add_argument("--segments", help="a coded table (cjm code --out) instead of coding afresh")
    p.add_argument(
        "--json", nargs="?", const="-", help="JSON instead of the table; with FILE, also to FILE"
    )
    p.set_defaults(func=cmd_evaluate)

    export = sub.add_parser("export", help="REFI-QDA export for NVivo, ATLAS.ti, MAXQDA, QualCoder")
    kinds = export.add_subparsers(dest="kind", required=True)
    p = kinds.add_parser("qdpx", help="the study as a REFI-QDA project")
    p.add_argument("file", help="FILE.qdpx to write")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    _add_study(p)
    p.add_argument("--coder", default="auto", help="machine coder whose codes go along")
    p.set_defaults(func=cmd_export_qdpx)
    p = kinds.add_parser("qdc", help="the codebook as a REFI-QDA codebook")
    p.add_argument("file", help="FILE.qdc to write")
    p.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    _add_study(p)
    p.set_defaults(func=cmd_export_qdc)
    imports = sub.add_parser("import", help="REFI-QDA import from another QDA tool")
    kinds = imports.add_subparsers(dest="kind", required=True)
    p = kinds.add_parser("qdpx", help="create or update a study from a REFI-QDA project")
    p.add_argument("file", help="FILE.qdpx to read")
    p.add_argument("--study", required=True, help="study folder to create or update")
    p.set_defaults(func=cmd_import_qdpx)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cjm``; returns the exit status."""
    args = build_parser().parse_args(argv)
    # `kill PID` (SIGTERM, also what CI and schedulers send) ends a run as Ctrl-C does: the pool's
    # workers and their kernels are shut down instead of being left running without a parent.
    restore = _sigterm_interrupts()
    try:
        return args.func(args)
    except CJMInputError as exc:
        _say(f"error: {exc}")
        return EXIT_INPUT
    except KeyboardInterrupt as stop:  # one line: how far `cjm reports` got, if it got going
        _say(str(stop) or "interrupted; finished reports were kept, unfinished ones not written")
        return EXIT_INTERRUPTED
    except Exception as exc:  # anything else is a bug, not the user's input
        log = _crash_log(getattr(args, "study", None))
        _say(
            f"internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in cjm-research, not a problem with your files. The traceback is in "
            f"{log}; please attach it when you report the bug."
        )
        return EXIT_FAILED
    finally:
        restore()


def _sigterm_interrupts() -> Callable[[], None]:
    """Make SIGTERM raise KeyboardInterrupt (main thread only); returns what undoes it."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupted)
    return lambda: signal.signal(signal.SIGTERM, previous or signal.SIG_DFL)  # type: ignore[arg-type]


def _crash_log(study: str | None) -> Path:
    """Write the current exception's traceback to the study's working folder (else the temp
    folder); the path to show the user."""
    from cjm_research.iorw import write_text
    from cjm_research.study import work_dir

    folder = work_dir(study) / "logs" if study and Path(study).is_dir() else None
    if folder is None:
        folder = Path(tempfile.gettempdir())
    stamp = time.strftime("%Y%m%d-%H%M%S")
    text = f"cjm-research {__version__}, {' '.join(sys.argv)}\n\n{traceback.format_exc()}"
    try:
        return write_text(folder / f"cjm-error-{stamp}.log", text)
    except OSError:
        return write_text(Path(tempfile.gettempdir()) / f"cjm-error-{stamp}.log", text)


if __name__ == "__main__":
    sys.exit(main())
