"""Load and validate a codebook YAML file into a typed :class:`~cjm_research.model.Codebook`."""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cjm_research.exceptions import CJMInputError
from cjm_research.ingest.normalize import decode_bytes
from cjm_research.iorw import write_text
from cjm_research.model import Code, Codebook
from cjm_research.resources import default_codebook_path

DIMENSIONS = ("stages", "touchpoints", "emotions")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_MAX_BYTES = 2_000_000
#: The keys a codebook reads, at the top and in each code: a key close to one of these is a typo
#: whose codes or keywords would otherwise be dropped without a word.
_TOP_KEYS = ("name", "version", *DIMENSIONS, "off_journey", "open_questions")
_CODE_KEYS = ("id", "label", "description", "keywords", "examples", "questions", "valence")
_CODE_KEYS += ("owner", "color")


#: The first lines of a study's copy of the default codebook (``cjm codebook``).
COPY_HEADER = """\
# This study's codebook: a copy of cjm-research's default, written by `cjm codebook`. It is
# yours: cjm never writes to it again, and an upgrade of cjm does not change it.
# Unchanged, it codes exactly as the packaged default. To fit your service, rename and
# describe stages, touchpoints and emotions, add your own keywords, examples and interview-guide
# questions, remove what does not apply (README: "The codebook"). A code that keeps its id keeps
# what the interview heads learned about it; a code with a new id is read from this file alone.
# Check your edits with `cjm validate`; delete this file to code with the packaged default again.

"""


def load_codebook(path: Path | str | None = None) -> Codebook:
    """Read a codebook; ``None`` loads the packaged default.

    Raises :class:`CJMInputError` naming the file and the offending code when the file is not a
    valid codebook (missing dimension, duplicate id, emotion without valence, ...).
    """
    path = Path(path) if path is not None else default_codebook_path()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CJMInputError(f"cannot read codebook ({exc.strerror})", path) from exc
    if len(raw) > _MAX_BYTES:
        raise CJMInputError("codebook is larger than 2 MB", path, hint="is this the right file?")
    # Notepad saves "Unicode" as UTF-16 and "ANSI" as Windows-1252: read them as transcripts are.
    text, warnings = decode_bytes(raw, path)
    text = text.removeprefix("\ufeff")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path) from exc
    source = _Source(path, text)
    if not isinstance(data, dict):
        raise source.error("codebook must be a mapping with stages, touchpoints and emotions")
    typos = _check_keys(data, _TOP_KEYS, source)
    dims = {dim: _codes(data, dim, source, misspelt=dim in typos) for dim in DIMENSIONS}
    codebook = Codebook(
        name=str(data.get("name") or path.stem),
        version=f"{data.get('version', '0')}+{_content_hash(data)}",
        path=path,
        off_journey=_off_journey(data.get("off_journey"), source),
        open_questions=_strings(data.get("open_questions"), source, "open_questions"),
        warnings=tuple(warnings),
        **dims,
    )
    source.raise_problems()
    return codebook


def _yaml_error(exc: yaml.YAMLError, path: Path) -> CJMInputError:
    """A YAML syntax error as the researcher can act on it: what is wrong, its line, the fix."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    hint = "check indentation and quoting"
    if "'\\t'" in problem:
        problem, hint = "a tab character in the indentation", "indent with spaces, not tabs"
    elif "mapping values are not allowed" in problem:
        hint = "put a text that contains ': ' in quotes, e.g. description: \"Help: chat, email\""
    return CJMInputError(
        f"codebook is not valid YAML: {problem}",
        path,
        mark.line + 1 if mark is not None else None,
        hint,
    )


def _check_keys(
    item: dict[Any, Any], known: tuple[str, ...], source: _Source, *key: str | int
) -> set[str]:
    """Refuse a key that is a typo of a known one (``keyword:``, ``colour:``, ``touchpoint:``):
    read as an extra field, it would silently drop what it holds. Other extra keys are kept out
    of the way, as notes of the researcher's own. Returns the known keys found misspelt."""
    misspelt = set()
    for name in item:
        if name in known:
            continue
        close = difflib.get_close_matches(str(name).lower(), known, n=1, cutoff=0.75)
        if close and close[0] not in item:
            where = _where(key)
            source.problem(
                f"{where + ': ' if where else ''}unknown key {str(name)!r} "
                f"(did you mean {close[0]!r}?)",
                *key,
                str(name),
                hint=f"rename it to '{close[0]}:'",
            )
            misspelt.add(close[0])
    return misspelt


def _where(key: tuple[str | int, ...]) -> str:
    """``stages[2].keywords`` for the key path ``("stages", 2, "keywords")``."""
    return ".".join(f"[{k}]" if isinstance(k, int) else k for k in key).replace(".[", "[")


def write_default_copy(folder: Path | str) -> Path:
    """Write the packaged default codebook to ``folder/codebook.yaml`` for the researcher to
    adapt, under :data:`COPY_HEADER`; an existing file is never overwritten."""
    target = Path(folder) / "codebook.yaml"
    if target.exists():
        raise CJMInputError(
            "exists already; not overwritten",
            target,
            hint="edit it; to start again from the default, move it away and run this again",
        )
    return write_text(target, COPY_HEADER + default_codebook_path().read_text(encoding="utf-8"))


def _content_hash(data: dict[str, Any]) -> str:
    """What a codebook says, hashed: comments and layout apart, so that an unchanged copy of the
    default (its own header above it) is the default's version in reports and caches."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@functools.cache
def default_stage_ids() -> tuple[str, ...]:
    """The packaged default codebook's stage ids (what the shipped calibration was fitted on)."""
    return tuple(load_codebook(None).stage_ids)


@dataclass(frozen=True)
class _Source:
    """A codebook file's path and text, to name the line of a problem found in its data."""

    path: Path
    text: str
    #: every problem found so far: a researcher fixing their codebook sees them all at once
    problems: list[CJMInputError] = field(default_factory=list)

    def error(self, message: str, *key: str | int, hint: str = "") -> CJMInputError:
        """An error at ``key`` (mapping keys and 1-based list positions from the top, as the
        message names them: ``"stages", 2, "valence"``), on the line where it is written."""
        return CJMInputError(message, self.path, self.line(key), hint)

    def problem(self, message: str, *key: str | int, hint: str = "") -> None:
        """Note an error (``error``) and read on, to report every problem at once."""
        self.problems.append(self.error(message, *key, hint=hint))

    def raise_problems(self) -> None:
        """Raise the problems noted, if any: one as it is, several as one error listing each
        with its line and fix, in the order of the file."""
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            ordered = sorted(self.problems, key=lambda e: e.line or 0)
            listed = "".join(
                f"\n  {f'line {e.line}: ' if e.line else ''}{e.message}"
                + (f" — {e.hint}" if e.hint else "")
                for e in ordered
            )
            raise CJMInputError(
                f"codebook has {len(ordered)} problems:{listed}",
                self.path,
                ordered[0].line,
                "fix each, then run again",
            )

    def line(self, key: tuple[str | int, ...]) -> int | None:
        """The 1-based line of ``key`` (of its last mapping key, or list item), or of the deepest
        part of it the file has (only
        computed for an error: composing the file again costs a parse)."""
        try:
            node = yaml.compose(self.text)
        except yaml.YAMLError:
            return None
        line = None
        for part in key:
            at = node
            if isinstance(node, yaml.MappingNode):
                found = [(k, v) for k, v in node.value if getattr(k, "value", None) == part]
                # The key's line: a block list under 'touchpoint:' starts on the line after it.
                at, node = found[0] if found else (None, None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                node = at = node.value[part - 1] if 0 < part <= len(node.value) else None
            else:
                node = None
            if node is None or at is None:
                break
            line = at.start_mark.line + 1
        return line


def _off_journey(item: object, source: _Source) -> Code:
    """The optional ``off_journey`` mapping: description, examples and questions."""
    if not isinstance(item, dict):
        if item is not None:
            source.problem(
                "off_journey must be a mapping",
                "off_journey",
                hint="give it 'examples:' and 'questions:' lists",
            )
        return Code("off_journey", "Not about the journey")
    return Code(
        id="off_journey",
        label=str(item.get("label") or "Not about the journey"),
        description=" ".join(str(item.get("description") or "").split()),
        examples=_strings(item.get("examples"), source, "off_journey", "examples"),
        questions=_strings(item.get("questions"), source, "off_journey", "questions"),
    )


def _codes(
    data: dict[str, Any], dim: str, source: _Source, misspelt: bool = False
) -> tuple[Code, ...]:
    """The codes of one dimension (``stages``, ``touchpoints``, ``emotions``); ``misspelt``: its
    key is already reported as a typo, so its absence is not reported again."""
    items = data.get(dim)
    if items is None and misspelt:
        return ()
    # A study may code no touchpoints or no emotions ("touchpoints: []"); a journey needs stages.
    if not isinstance(items, list) or (dim == "stages" and not items):
        source.problem(
            f"codebook has no '{dim}' list",
            dim,
            hint=f"add '{dim}:' with at least one code"
            + ("" if dim == "stages" else f", or '{dim}: []' to code no {dim}"),
        )
        return ()
    codes: list[Code] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        where = f"{dim}[{n}]"
        if isinstance(item, dict):
            _check_keys(item, _CODE_KEYS, source, dim, n)
        if not isinstance(item, dict) or "id" not in item:
            label = item.get("label") if isinstance(item, dict) else None
            slug = re.sub(r"[^a-z0-9]+", "_", str(label or "").lower()).strip("_")
            source.problem(
                f"{where} must be a mapping with an 'id'",
                dim,
                n,
                hint=f"start it with '- id: {slug or 'my_code'}' "
                "(lower-case letters, digits, '_' or '-')",
            )
            continue
        code_id = str(item["id"])
        if not _ID.match(code_id):
            source.problem(
                f"{where}: id {code_id!r} is not a valid code id",
                dim,
                n,
                "id",
                hint="use lower-case letters, digits, '_' or '-'",
            )
            continue
        if code_id in seen:
            first = source.line((dim, seen[code_id], "id"))
            source.problem(
                f"{where}: duplicate id {code_id!r}",
                dim,
                n,
                "id",
                hint=f"{dim}[{seen[code_id]}]"
                + (f" on line {first}" if first else "")
                + " has it already; give each code its own id",
            )
            continue
        seen[code_id] = n
        valence = item.get("valence")
        if dim == "emotions":
            if not isinstance(valence, int | float) or not -1 <= valence <= 1:
                source.problem(
                    f"emotion {code_id!r} needs a numeric valence in [-1, 1]",
                    dim,
                    n,
                    "valence",
                    hint="for example 'valence: -0.6'",
                )
                valence = 0.0
            valence = float(valence)
        else:
            valence = None
        codes.append(
            Code(
                id=code_id,
                label=str(item.get("label") or code_id.replace("_", " ").capitalize()),
                description=" ".join(str(item.get("description") or "").split()),
                keywords=_strings(item.get("keywords"), source, dim, n, "keywords"),
                examples=_strings(item.get("examples"), source, dim, n, "examples"),
                questions=_strings(item.get("questions"), source, dim, n, "questions"),
                valence=valence,
                owner=str(item.get("owner") or ""),
                color=str(item.get("color") or ""),
            )
        )
    return tuple(codes)


def _strings(value: object, source: _Source, *key: str | int) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        source.problem(
            f"{_where(key)} must be a list", *key, hint="write it as [a, b] or '- a' lines"
        )
        return ()
    return tuple(str(v).strip() for v in value if str(v).strip())
