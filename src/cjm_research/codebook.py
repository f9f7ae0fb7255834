"""Load and validate a codebook YAML file into a typed :class:`~cjm_research.model.Codebook`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from cjm_research.exceptions import CJMInputError
from cjm_research.model import Code, Codebook
from cjm_research.resources import default_codebook_path

DIMENSIONS = ("stages", "touchpoints", "emotions")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
_MAX_BYTES = 2_000_000


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
    try:
        data = yaml.safe_load(raw.decode("utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise CJMInputError(
            f"codebook is not valid YAML: {exc}".splitlines()[0],
            path,
            line + 1 if line is not None else None,
            "check indentation and quoting",
        ) from exc
    if not isinstance(data, dict):
        raise CJMInputError(
            "codebook must be a mapping with stages, touchpoints and emotions", path
        )
    dims = {dim: _codes(data, dim, path) for dim in DIMENSIONS}
    return Codebook(
        name=str(data.get("name") or path.stem),
        version=f"{data.get('version', '0')}+{hashlib.sha256(raw).hexdigest()[:12]}",
        path=path,
        off_journey=_off_journey(data.get("off_journey"), path),
        open_questions=_strings(data.get("open_questions"), "open_questions", path),
        **dims,
    )


def _off_journey(item: object, path: Path) -> Code:
    """The optional ``off_journey`` mapping: description, examples and questions."""
    if item is None:
        return Code("off_journey", "Not about the journey")
    if not isinstance(item, dict):
        raise CJMInputError(
            "off_journey must be a mapping", path, hint="give it 'examples:' and 'questions:' lists"
        )
    return Code(
        id="off_journey",
        label=str(item.get("label") or "Not about the journey"),
        description=" ".join(str(item.get("description") or "").split()),
        examples=_strings(item.get("examples"), "off_journey.examples", path),
        questions=_strings(item.get("questions"), "off_journey.questions", path),
    )


def _codes(data: dict[str, Any], dim: str, path: Path) -> tuple[Code, ...]:
    items = data.get(dim)
    # A study may code no touchpoints or no emotions ("touchpoints: []"); a journey needs stages.
    if not isinstance(items, list) or (dim == "stages" and not items):
        raise CJMInputError(
            f"codebook has no '{dim}' list",
            path,
            hint=f"add '{dim}:' with at least one code"
            + ("" if dim == "stages" else f", or '{dim}: []' to code no {dim}"),
        )
    codes: list[Code] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        where = f"{dim}[{n}]"
        if not isinstance(item, dict) or "id" not in item:
            raise CJMInputError(f"{where} must be a mapping with an 'id'", path)
        code_id = str(item["id"])
        if not _ID.match(code_id):
            raise CJMInputError(
                f"{where}: id {code_id!r} is not a valid code id",
                path,
                hint="use lower-case letters, digits, '_' or '-'",
            )
        if code_id in seen:
            raise CJMInputError(f"{where}: duplicate id {code_id!r}", path)
        seen.add(code_id)
        valence = item.get("valence")
        if dim == "emotions":
            if not isinstance(valence, int | float) or not -1 <= valence <= 1:
                raise CJMInputError(
                    f"emotion {code_id!r} needs a numeric valence in [-1, 1]",
                    path,
                    hint="for example 'valence: -0.6'",
                )
            valence = float(valence)
        else:
            valence = None
        codes.append(
            Code(
                id=code_id,
                label=str(item.get("label") or code_id.replace("_", " ").capitalize()),
                description=" ".join(str(item.get("description") or "").split()),
                keywords=_strings(item.get("keywords"), f"{where}.keywords", path),
                examples=_strings(item.get("examples"), f"{where}.examples", path),
                questions=_strings(item.get("questions"), f"{where}.questions", path),
                valence=valence,
                owner=str(item.get("owner") or ""),
                color=str(item.get("color") or ""),
            )
        )
    return tuple(codes)


def _strings(value: object, where: str, path: Path) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CJMInputError(f"{where} must be a list", path)
    return tuple(str(v).strip() for v in value if str(v).strip())
