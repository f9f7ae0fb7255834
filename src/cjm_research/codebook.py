"""Load and validate a codebook YAML file into a typed :class:`~cjm_research.model.Codebook`."""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
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
    source = _Source(path, raw.decode("utf-8-sig"))
    if not isinstance(data, dict):
        raise source.error("codebook must be a mapping with stages, touchpoints and emotions")
    dims = {dim: _codes(data, dim, source) for dim in DIMENSIONS}
    return Codebook(
        name=str(data.get("name") or path.stem),
        version=f"{data.get('version', '0')}+{hashlib.sha256(raw).hexdigest()[:12]}",
        path=path,
        off_journey=_off_journey(data.get("off_journey"), source),
        open_questions=_strings(data.get("open_questions"), source, "open_questions"),
        **dims,
    )


@functools.cache
def default_stage_ids() -> tuple[str, ...]:
    """The packaged default codebook's stage ids (what the shipped calibration was fitted on)."""
    return tuple(load_codebook(None).stage_ids)


@dataclass(frozen=True)
class _Source:
    """A codebook file's path and text, to name the line of a problem found in its data."""

    path: Path
    text: str

    def error(self, message: str, *key: str | int, hint: str = "") -> CJMInputError:
        """An error at ``key`` (mapping keys and 1-based list positions from the top, as the
        message names them: ``"stages", 2, "valence"``), on the line where it is written."""
        return CJMInputError(message, self.path, self.line(key), hint)

    def line(self, key: tuple[str | int, ...]) -> int | None:
        """The 1-based line of ``key``'s value, or of the deepest part of it the file has (only
        computed for an error: composing the file again costs a parse)."""
        try:
            node = yaml.compose(self.text)
        except yaml.YAMLError:
            return None
        line = None
        for part in key:
            if isinstance(node, yaml.MappingNode):
                found = [v for k, v in node.value if getattr(k, "value", None) == part]
                node = found[0] if found else None
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                node = node.value[part - 1] if 0 < part <= len(node.value) else None
            else:
                node = None
            if node is None:
                break
            line = node.start_mark.line + 1
        return line


def _off_journey(item: object, source: _Source) -> Code:
    """The optional ``off_journey`` mapping: description, examples and questions."""
    if item is None:
        return Code("off_journey", "Not about the journey")
    if not isinstance(item, dict):
        raise source.error(
            "off_journey must be a mapping",
            "off_journey",
            hint="give it 'examples:' and 'questions:' lists",
        )
    return Code(
        id="off_journey",
        label=str(item.get("label") or "Not about the journey"),
        description=" ".join(str(item.get("description") or "").split()),
        examples=_strings(item.get("examples"), source, "off_journey", "examples"),
        questions=_strings(item.get("questions"), source, "off_journey", "questions"),
    )


def _codes(data: dict[str, Any], dim: str, source: _Source) -> tuple[Code, ...]:
    items = data.get(dim)
    # A study may code no touchpoints or no emotions ("touchpoints: []"); a journey needs stages.
    if not isinstance(items, list) or (dim == "stages" and not items):
        raise source.error(
            f"codebook has no '{dim}' list",
            dim,
            hint=f"add '{dim}:' with at least one code"
            + ("" if dim == "stages" else f", or '{dim}: []' to code no {dim}"),
        )
    codes: list[Code] = []
    seen: set[str] = set()
    for n, item in enumerate(items, 1):
        where = f"{dim}[{n}]"
        if not isinstance(item, dict) or "id" not in item:
            raise source.error(f"{where} must be a mapping with an 'id'", dim, n)
        code_id = str(item["id"])
        if not _ID.match(code_id):
            raise source.error(
                f"{where}: id {code_id!r} is not a valid code id",
                dim,
                n,
                "id",
                hint="use lower-case letters, digits, '_' or '-'",
            )
        if code_id in seen:
            raise source.error(f"{where}: duplicate id {code_id!r}", dim, n, "id")
        seen.add(code_id)
        valence = item.get("valence")
        if dim == "emotions":
            if not isinstance(valence, int | float) or not -1 <= valence <= 1:
                raise source.error(
                    f"emotion {code_id!r} needs a numeric valence in [-1, 1]",
                    dim,
                    n,
                    "valence",
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
        where = ".".join(f"[{k}]" if isinstance(k, int) else k for k in key).replace(".[", "[")
        raise source.error(
            f"{where} must be a list", *key, hint="write it as [a, b] or '- a' lines"
        )
    return tuple(str(v).strip() for v in value if str(v).strip())
