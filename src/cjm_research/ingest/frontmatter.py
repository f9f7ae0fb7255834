"""YAML front matter: an optional ``---`` block at the top of a text or markdown file.

Parsed so that what the researcher typed is what they get: every scalar is a string
(``id: 0012`` stays ``"0012"``, ``NO`` stays ``"NO"``, dates stay text), and anchors/aliases are
refused because an alias bomb is tiny on disk and huge once expanded.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from cjm_research.exceptions import CJMInputError

#: Front matter longer than this is refused: metadata is a few lines, not a document.
MAX_FRONT_MATTER_BYTES = 64 * 1024

_OPEN = re.compile(r"^---[ \t]*$")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*$")


class _RefusedYAML(yaml.YAMLError):
    """YAML that parses but that front matter does not allow; carries a 0-based line and a hint."""

    def __init__(self, message: str, line: int, hint: str) -> None:
        super().__init__(message)
        self.line = line
        self.hint = hint


class StringLoader(yaml.SafeLoader):
    """A SafeLoader that loads every scalar as a string and refuses anchors and aliases."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Refuse anchors and aliases before the composer can expand them."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _RefusedYAML(
                "YAML anchors and aliases (& and *) are not allowed in front matter",
                event.start_mark.line,
                "write the repeated value out in full",
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Like SafeLoader's, but a key given twice is an error rather than last-one-wins."""
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key in seen:
                raise _RefusedYAML(
                    f"key {key!r} appears twice in front matter",
                    key_node.start_mark.line,
                    "keep one of them",
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# No implicit resolvers: plain scalars (0012, NO, 2026-03-02, ~, empty) all resolve to str.
StringLoader.yaml_implicit_resolvers = {}
# Explicit tags (!!int, !!bool, ...) would still build non-strings; read them as text too.
for _tag in ("null", "bool", "int", "float", "timestamp", "binary"):
    StringLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", StringLoader.construct_yaml_str)


def load_yaml_strings(text: str) -> Any:
    """Parse YAML with :class:`StringLoader` (strings, lists and mappings only)."""
    return yaml.load(text, Loader=StringLoader)


def split_front_matter(text: str, path: Path | str | None) -> tuple[dict[str, Any], str, int]:
    """Split normalised ``text`` into (front matter mapping, body, 1-based line the body starts on).

    Without a leading ``---`` line the whole text is the body and the mapping is empty. Raises
    :class:`CJMInputError` for an unclosed, oversized, non-mapping or invalid block.
    """
    lines = text.split("\n")
    if not lines or not _OPEN.match(lines[0]):
        return {}, text, 1
    close = next((i for i in range(1, len(lines)) if _CLOSE.match(lines[i])), None)
    if close is None:
        raise CJMInputError(
            "front matter starts with '---' but is never closed",
            path,
            1,
            "add a line containing only '---' after the metadata",
        )
    block = "\n".join(lines[1:close])
    if len(block.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        raise CJMInputError(
            f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KB",
            path,
            1,
            "keep only metadata between the '---' lines",
        )
    meta = _parse(block, path)
    return meta, "\n".join(lines[close + 1 :]), close + 2


def _invalid(exc: yaml.YAMLError, path: Path | str | None, block: str) -> CJMInputError:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    hint = "check indentation, and quote values that contain ':' or '#'"
    lines = block.split("\n")
    if mark is not None and problem == "mapping values are not allowed here":
        hint = _quote_hint(lines[mark.line] if mark.line < len(lines) else "") or hint
    return CJMInputError(
        f"front matter is not valid YAML: {problem}",
        path,
        mark.line + 2 if mark is not None else 1,
        hint,
    )


def _quote_hint(line: str) -> str:
    """How to write a ``key: value`` line whose value holds ': ' ("quote: He told me: "…""):
    the value in single quotes, a quote inside it doubled. "" when the line is no such line."""
    match = re.match(r"^(\s*[\w-]+):\s+(.*\S)\s*$", line)
    if match is None:
        return ""
    key, value = match[1], match[2]
    if len(value) > 60:
        return f"quote the value: {key.strip()}: '…' (a ' inside it is written '')"
    return "quote the value: " + f"{key}: '" + value.replace("'", "''") + "'"


def _parse(block: str, path: Path | str | None) -> dict[str, Any]:
    try:
        data = load_yaml_strings(block)
    except _RefusedYAML as exc:
        # +2: YAML lines are 0-based and the block starts after the opening '---' line.
        raise CJMInputError(str(exc), path, exc.line + 2, exc.hint) from exc
    except yaml.constructor.ConstructorError as exc:
        if "tag" not in (exc.problem or ""):
            raise _invalid(exc, path, block) from exc
        # Only the plain YAML tags are read (as text); !!python/object and friends are refused.
        mark = exc.problem_mark
        raise CJMInputError(
            "YAML tags such as '!!python/object' are not allowed in front matter",
            path,
            mark.line + 2 if mark is not None else 1,
            "remove the '!!…' tag and write the plain value",
        ) from exc
    except yaml.YAMLError as exc:
        raise _invalid(exc, path, block) from exc
    if data is None or data == "":
        return {}
    if not isinstance(data, dict):
        raise CJMInputError(
            "front matter must be a mapping of 'key: value' lines",
            path,
            2,
            "for example 'participant: P01'",
        )
    return {str(k): v for k, v in data.items()}
