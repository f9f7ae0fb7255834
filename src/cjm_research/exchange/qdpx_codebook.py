"""A REFI-QDA project's codes as cjm reads them: matched onto a study codebook (``map_codes``),
written as the codebook of a study that has none (``write_project_codebook``), which
dimensions each coder coded at all (``coded_dimensions``), and codes that share a name in one
dimension (``same_named``: NVivo and ATLAS.ti allow it; cjm, which knows a code by its id, reads
them as one code).

cjm exports its codebook as codes under non-codable Stage / Touchpoint / Emotion roots; such a
root (singular or plural, any case) gives a dimension exactly its codes, in the project's order.
A dimension without a root keeps the default codebook's codes. A code outside the roots (a
project made in another tool) joins the dimension of the default code it names, by id or label
("Mobile app", "Frustration"); any other such code fits no dimension and is listed, with the fix.
A QDPX code carries a name, a description and a colour, nothing more: keywords, examples,
interview questions, touchpoint owners and emotion valences come from the default codebook's
code of the same id; a code it lacks gets none (an emotion valence 0, listed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from lxml import etree

from cjm_research.codebook import DIMENSIONS, load_codebook
from cjm_research.exchange.qdpx_xml import (
    ROOT_DIMENSIONS,
    ROOTS,
    children,
    code_slug,
    name_key,
    normal_guid,
    split_id,
    top_codes,
)
from cjm_research.iorw import write_text
from cjm_research.model import Code, Codebook

_HEX_COLOUR = re.compile(r"^#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def map_codes(root: etree._Element, codebook: Codebook) -> dict[str, tuple[str, str] | str]:
    """Code GUID → (dimension, code id), or → the code's name when the codebook has no match.

    A code matches by id or label, ignoring case, ``_`` and ``-``; under a Stage / Touchpoint /
    Emotion root (singular or plural) only that dimension is searched.
    """
    lookup = {
        dim: {name_key(k): c.id for c in codebook.dimension(dim) for k in (c.id, c.label)}
        for dim in DIMENSIONS
    }
    mapping: dict[str, tuple[str, str] | str] = {}

    def walk(code: etree._Element, dims: list[str]) -> None:
        name, key = code.get("name", ""), name_key(code.get("name", ""))
        # by name, else by the id a cjm export wrote (a code renamed in the other tool)
        keys = [key, name_key(_described(code)[3])]
        found = next(((d, lookup[d][k]) for k in keys for d in dims if k in lookup[d]), None)
        mapping[normal_guid(code.get("guid"))] = found or name
        below = [ROOT_DIMENSIONS[key]] if key in ROOT_DIMENSIONS and not found else dims
        for child in children(code, "Code"):
            walk(child, below)

    for code in top_codes(root):
        walk(code, list(DIMENSIONS))
    return mapping


def coded_dimensions(
    codings: list[tuple[str, str]], codes: dict[str, tuple[str, str] | str]
) -> dict[str, set[str]]:
    """Coder → the dimensions they coded anywhere in the project, from its (coder, code GUID)
    ``codings``: a dimension missing is one the coder did not code, not one they left empty."""
    found: dict[str, set[str]] = {}
    for coder, code in codings:
        mapped = codes.get(code)
        found.setdefault(coder, set())
        if isinstance(mapped, tuple):
            found[coder].add(mapped[0])
    return found


@dataclass(frozen=True)
class SameName:
    """Codes of one name in one dimension of a project: the dimension ("" outside the Stage /
    Touchpoint / Emotion folders), the name, and each code's GUID, colour and the cjm id its
    description gives ("" when it gives none), in the project's order."""

    dimension: str
    name: str
    codes: tuple[tuple[str, str, str], ...]

    def ids(self) -> list[str]:
        """The cjm codes they stand for: the id a cjm export wrote, else the one of the name."""
        return list(dict.fromkeys(given or code_slug(self.name) for _, _, given in self.codes))

    def where(self) -> str:
        """Where the codes sit, as the other tool shows it."""
        return f"under {ROOTS[self.dimension]}" if self.dimension else "outside the code folders"

    def described(self, codings: dict[str, int]) -> str:
        """Each code told apart by its colour (else its place in the code tree), with the
        number of ``codings`` (code GUID → count) it carried: "#FF0000: 3 codings, …"."""
        colours = [colour for _, colour, _ in self.codes]
        distinct = all(colours) and len(set(colours)) == len(colours)
        return ", ".join(
            f"{colour if distinct else _ORDINALS.get(n, f'#{n}')}: "
            f"{_count_of(codings.get(guid, 0), 'coding')}"
            for n, (guid, colour, _) in enumerate(self.codes, 1)
        )


_ORDINALS = {1: "the first", 2: "the second", 3: "the third", 4: "the fourth"}


def same_named(root: etree._Element) -> list[SameName]:
    """The codable codes of a project that share a name (as names are compared) with another in
    the same dimension, each group once."""
    groups: dict[tuple[str, str], list[etree._Element]] = {}
    for top in top_codes(root):
        dim = ROOT_DIMENSIONS.get(name_key(top.get("name", "")), "")
        loose = [] if dim or top.get("isCodable", "true") == "false" else [top]
        for code in loose + _descendants(top):
            groups.setdefault((dim, name_key(code.get("name", ""))), []).append(code)
    return [
        SameName(
            dim,
            codes[0].get("name", "").strip(),
            tuple(
                (normal_guid(c.get("guid")), c.get("color", ""), _described(c)[3]) for c in codes
            ),
        )
        for (dim, key), codes in groups.items()
        if key and len(codes) > 1
    ]


@dataclass
class ProjectCodebook:
    """The ``codebook.yaml`` an import wrote from the project's code tree, and what it says."""

    path: Path
    counts: dict[str, int]  # codes per dimension
    rooted: list[str]  # dimensions the project gave its codes (a Stage/Touchpoint/Emotion root)
    unplaced: list[str] = field(default_factory=list)  # codes that fit no dimension, left out
    neutral: list[str] = field(default_factory=list)  # emotions written with valence 0
    bare: list[str] = field(default_factory=list)  # codes without keywords or examples

    def lines(self) -> list[str]:
        """What the import says about the codebook it wrote, each line with its fix."""
        counts = ", ".join(f"{n} {dim}" for dim, n in self.counts.items())
        defaults = [d for d in DIMENSIONS if d not in self.rooted]
        said = [
            f"wrote {self.path} from the project's codes ({counts}"
            + (f"; {' and '.join(defaults)} from the default codebook" if defaults else "")
            + "): keywords, examples, owners and emotion valences come from the default "
            "codebook's code of the same id (a .qdpx carries a code's name, description and "
            "colour only)"
        ]
        if self.bare:
            said.append(
                f"codebook.yaml: {_count(self.bare)} without keywords or examples "
                f"({_few(self.bare)}) — add some (README: How coding works) so that the machine "
                "can code them"
            )
        if self.neutral:
            said.append(
                f"codebook.yaml: {_count(self.neutral, 'emotion')} written with valence 0, "
                f"neutral ({_few(self.neutral)}) — set each one's valence in [-1, 1]"
            )
        if self.unplaced:
            said.append(
                f"codebook.yaml: {_count(self.unplaced)} of the project fit no dimension, left "
                f"out: {_few(self.unplaced)} — put them under a Stage, Touchpoint or "
                "Emotion folder in the other tool, or add them to codebook.yaml under stages:, "
                "touchpoints: or emotions: (an id and a label; an emotion also a valence), then "
                "import again"
            )
        return said


def _count(names: list[str], noun: str = "code") -> str:
    return _count_of(len(names), noun)


def _count_of(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _few(names: list[str], n: int = 8) -> str:
    shown = ", ".join(repr(name) for name in names[:n])
    return shown + (f" and {len(names) - n} more" if len(names) > n else "")


def write_project_codebook(
    root: etree._Element, study_root: Path, project: str
) -> ProjectCodebook | None:
    """Write ``STUDY/codebook.yaml`` from the project's code tree, when the study has none
    (None: it has one, never overwritten). ``project``: the project's name, for the header."""
    target = study_root / "codebook.yaml"
    if target.exists():
        return None
    default = load_codebook(None)
    placed: dict[str, list[tuple[str, str, str, str]]] = {d: [] for d in DIMENSIONS}
    rooted: list[str] = []
    unplaced: list[str] = []
    for top in top_codes(root):
        dim = ROOT_DIMENSIONS.get(name_key(top.get("name", "")))
        if dim is not None:
            rooted += [dim] if dim not in rooted else []
            placed[dim] += [_described(c) for c in _descendants(top)]
            continue
        for code in [top, *_descendants(top)]:
            found = _default_dimension(code.get("name", ""), default)
            if found is not None:
                placed[found].append(_described(code))
            elif code.get("isCodable", "true") != "false" and code.get("name", "").strip():
                unplaced.append(code.get("name", "").strip())
    if not placed["stages"] and "stages" in rooted:
        rooted.remove("stages")  # an empty Stage folder: a journey needs stages
    result = ProjectCodebook(target, {}, rooted, unplaced=list(dict.fromkeys(unplaced)))
    data: dict[str, object] = {"name": f"{project or 'Imported project'} (imported)"}
    data["version"] = "1"
    for dim in DIMENSIONS:
        codes = _codes(dim, placed[dim], default, result) if dim in rooted else []
        if dim not in rooted:  # the default's codes, the project's names for those it names
            named = {c.id: c for c in _codes(dim, placed[dim], default, result)}
            codes = [named.get(c.id, c) for c in default.dimension(dim)]
        result.counts[dim] = len(codes)
        data[dim] = [_entry(c, dim) for c in codes]
    off = default.off_journey
    data["off_journey"] = {
        "description": off.description,
        "examples": list(off.examples),
        "questions": list(off.questions),
    }
    data["open_questions"] = list(default.open_questions)
    header = (
        f"# The codebook of {project or 'an imported project'}, written by `cjm import qdpx`.\n"
        "# Ids, labels, descriptions and colours are the project's codes; keywords, examples,\n"
        "# owners, valences and the off-journey examples come from cjm's default codebook where\n"
        "# a code's id is one of its own. Edit freely: no import writes this file again.\n"
    )
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    write_text(target, header + body)
    return result


def _descendants(code: etree._Element) -> list[etree._Element]:
    """Every code below ``code``, a folder's (``isCodable="false"``) children in its place."""
    found = []
    for child in children(code, "Code"):
        if child.get("isCodable", "true") != "false" and child.get("name", "").strip():
            found.append(child)
        found += _descendants(child)
    return found


def _described(code: etree._Element) -> tuple[str, str, str, str]:
    """A code's name, description, colour and the id a cjm export gave it ("" if none)."""
    about, code_id = split_id(next((d.text or "" for d in children(code, "Description")), ""))
    return code.get("name", "").strip(), " ".join(about.split()), code.get("color", ""), code_id


def _default_dimension(name: str, default: Codebook) -> str | None:
    key = name_key(name)
    return next((d for d in DIMENSIONS if key in _keys(default, d)), None)


def _keys(codebook: Codebook, dim: str) -> dict[str, Code]:
    return {name_key(k): c for c in codebook.dimension(dim) for k in (c.id, c.label)}


def _codes(
    dim: str, described: list[tuple[str, str, str, str]], default: Codebook, result: ProjectCodebook
) -> list[Code]:
    """The project's codes of ``dim`` as codebook codes, with the default code's parts they
    lack; ids from the default code of that name, else from the name (unique)."""
    known = _keys(default, dim)
    codes: dict[str, Code] = {}
    for name, about, colour, given in described:
        base = known.get(name_key(given or name))
        code_id = given or (base.id if base else code_slug(name) or f"{dim[:-1]}_{len(codes) + 1}")
        if code_id in codes:
            if base or name_key(codes[code_id].label) == name_key(name):
                # named twice ("Website" in two folders, two "Aftercare" codes): one code, the
                # first one's colour and description
                continue
            code_id = next(f"{code_id}_{n}" for n in range(2, 999) if f"{code_id}_{n}" not in codes)
        if base is None:
            base = Code(code_id, name, valence=0.0 if dim == "emotions" else None)
            result.bare.append(name)
            if dim == "emotions":
                result.neutral.append(name)
        codes[code_id] = replace(
            base,
            id=code_id,
            label=name or base.label,
            description=about or base.description,
            color=colour if _HEX_COLOUR.match(colour) else base.color,
        )
    return list(codes.values())


def _entry(code: Code, dim: str) -> dict[str, object]:
    """A code as codebook.yaml writes it: the parts it has, in the default file's order."""
    entry: dict[str, object] = {"id": code.id, "label": code.label}
    if dim == "emotions":
        entry["valence"] = code.valence if code.valence is not None else 0.0
    for key in ("owner", "color", "description"):
        if getattr(code, key):
            entry[key] = getattr(code, key)
    for key in ("keywords", "examples", "questions"):
        if getattr(code, key):
            entry[key] = list(getattr(code, key))
    return entry
