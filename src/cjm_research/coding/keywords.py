"""Codebook keyword matching: longest phrases first, a trailing ``*`` for any ending, negation.

``KeywordMatcher`` finds one dimension's keywords in a text; ``CodebookKeywords`` finds a
codebook's stages, touchpoints and emotions at once, sharing one index of word pairs. Both are
used by the rules coder, by the semantic coder (keywords are one of its experts) and by the
analysis of action phrases.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from cjm_research.model import Code, Codebook

_NEGATIONS = frozenset(
    "not no never without hardly barely isn't wasn't aren't weren't don't doesn't didn't can't "
    "couldn't won't wouldn't shouldn't haven't hasn't hadn't nothing nobody".split()
)


@dataclass(frozen=True)
class Hit:
    """One keyword match: which code, which words, how much it weighs."""

    code: str
    phrase: str
    weight: float


_Pattern = tuple[tuple[str, bool], ...]  # per word: (text, is a prefix wildcard)


#: A keyword whose first two words fit two words of a text: its length in words, its words from
#: the third on as a plain list (compared as one slice; None when one is a wildcard) and as a
#: pattern, and the keyword.
_Candidate = tuple[int, list[str] | None, _Pattern, str]


_Pair = tuple[str, str | None]  # a word and the next one (None at the end of the turn)


#: Per dimension, the keywords that can start at a word pair.
_Options = tuple[tuple[_Candidate, ...], ...]


_Key = TypeVar("_Key")


_Value = TypeVar("_Value")


#: The matchers' memos are cleared beyond this many entries (memory stays bounded).
_MEMO_SIZE = 200_000
_WORD = re.compile(r"[\w']+")


def _pattern(keyword: str) -> _Pattern:
    return tuple((w.rstrip("*"), w.endswith("*")) for w in keyword.lower().split())


def _fits(part: tuple[str, bool], word: str) -> bool:
    text, wildcard = part
    return word.startswith(text) if wildcard else word == text


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; curly apostrophes count as straight ones (``don’t`` = ``don't``)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def _pairs(words: list[str]) -> Iterator[_Pair]:
    """Each word with the next one (None after the last)."""
    return zip(words, [*words[1:], None], strict=False)


class _Memo(dict[_Key, _Value]):
    """A value per word (pair), computed on first sight (``__missing__``), memory bounded.

    Interview vocabulary is small and repetitive (Zipf), so nearly every lookup after the first
    few transcripts is one C-level dict hit, and a ``map`` over a turn's words does them all.
    """

    def __init__(self, compute: Callable[[_Key], _Value]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: _Key) -> _Value:
        if len(self) > _MEMO_SIZE:
            self.clear()
        found = self[key] = self._compute(key)
        return found


#: Whether a word negates what follows it ("not", "never", "didn't" …).
_NEGATING: _Memo[str, bool] = _Memo(lambda w: w in _NEGATIONS or w.endswith("n't"))


class KeywordMatcher:
    """Finds a dimension's keywords in a text: a token index, greedy longest match from the left.

    One big regex alternation over hundreds of phrases costs a scan per phrase at every position;
    indexing phrases by their first two words makes matching linear in the number of tokens, and
    most words ("the", "i", "on") start no phrase that the next word continues.
    """

    def __init__(self, codes: tuple[Code, ...]) -> None:
        owners: dict[str, list[str]] = defaultdict(list)
        for code in codes:
            for keyword in code.keywords:
                if keyword.strip(" *"):
                    owners[" ".join(keyword.lower().split())].append(code.id)
        self._exact: dict[str, list[tuple[_Pattern, str]]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[_Pattern, str]]] = defaultdict(list)
        for keyword in owners:
            pattern = _pattern(keyword)
            first, wildcard = pattern[0]
            (self._prefix if wildcard else self._exact)[first].append((pattern, keyword))
        self._owners = dict(owners)
        self._prefix_lengths = sorted({len(p) for p in self._prefix if p})  # "* app" starts nowhere
        #: Per word, the keywords it can start (``_first_word``).
        self.by_word = _Memo(self._first_word)
        self._by_pair = _Memo(self._starting_alone)
        self._hits = _Memo(self._found)
        self.empty = not owners

    def _first_word(self, word: str) -> list[tuple[_Pattern, str]]:
        """The keywords whose first word matches ``word``, longest first, ties in index order.

        So the first candidate whose other words match is the match: the longest, and among
        equally long ones the exact-word keyword before the wildcards, shorter stems first.
        """
        found = list(self._exact.get(word, ()))
        for k in self._prefix_lengths:  # the stems' lengths, shortest first
            if k > len(word):
                break
            found += self._prefix.get(word[:k], ())
        if len(found) > 1:
            found.sort(key=lambda c: -len(c[0]))  # stable: ties keep their index order
        return found

    def _starting(self, pair: _Pair) -> tuple[_Candidate, ...]:
        """The keywords that can start at ``word`` followed by ``after``, in match order."""
        word, after = pair
        first = self.by_word[word]
        if not first:  # most words: no keyword starts with them
            return ()
        return tuple(
            (
                len(pattern),
                None if any(w for _, w in pattern[2:]) else [t for t, _ in pattern[2:]],
                pattern[2:],
                keyword,
            )
            for pattern, keyword in first
            if len(pattern) == 1 or (after is not None and _fits(pattern[1], after))
        )

    def _starting_alone(self, pair: _Pair) -> _Options | None:
        found = self._starting(pair)
        return (found,) if found else None

    def hits(self, text: str, words: list[str] | None = None) -> list[tuple[Hit, bool]]:
        """Matches in ``text`` with whether a negation word precedes each within three words."""
        if self.empty:
            return []
        words = tokens(text) if words is None else words
        return self.match(words, list(map(self._by_pair.__getitem__, _pairs(words))), 0)

    def match(
        self, words: list[str], options: list[_Options | None], dimension: int
    ) -> list[tuple[Hit, bool]]:
        """``hits`` given per word the keywords of each dimension that can start there
        (``_starting``; None: none of any dimension), for this matcher's ``dimension``."""
        found: list[tuple[Hit, bool]] = []
        taken = 0  # words before this belong to an earlier match
        for i in itertools.compress(range(len(words)), options):
            if i < taken or not options[i][dimension]:
                continue
            match = _longest(options[i][dimension], words, i)
            if match is None:
                continue
            length, _, _, keyword = match
            negated = any(map(_NEGATING.__getitem__, words[max(0, i - 3) : i]))
            phrase = words[i] if length == 1 else " ".join(words[i : i + length])
            found += [(hit, negated) for hit in self._hits[keyword, phrase]]
            taken = i + length
        return found

    def _found(self, match: tuple[str, str]) -> tuple[Hit, ...]:
        """The hits of ``keyword`` matched as ``phrase``: one per code that owns the keyword."""
        keyword, phrase = match
        weight = 1.0 + 0.5 * (len(phrase.split(" ")) - 1)
        return tuple(Hit(code, phrase, weight) for code in self._owners[keyword])


class CodebookKeywords:
    """A codebook's stage, touchpoint and emotion matchers, sharing one index of word pairs.

    One dict lookup per word pair finds the candidates of all three dimensions at once.
    """

    def __init__(self, codebook: Codebook) -> None:
        self.stages = KeywordMatcher(codebook.stages)
        self.touchpoints = KeywordMatcher(codebook.touchpoints)
        self.emotions = KeywordMatcher(codebook.emotions)
        self._by_pair = _Memo(self._starting)
        # Most words start no keyword of any dimension: one lookup per new word says so, and
        # spares every new pair it begins the three matchers' work (a fresh coder's cost).
        matchers = (self.stages, self.touchpoints, self.emotions)
        self._starts_any = _Memo(lambda word: any(m.by_word[word] for m in matchers))

    def _starting(self, pair: _Pair) -> _Options | None:
        if not self._starts_any[pair[0]]:
            return None
        found = tuple(m._starting(pair) for m in (self.stages, self.touchpoints, self.emotions))
        return found if any(found) else None  # most pairs: None, skipped by every dimension

    def find(self, words: list[str], *, question: bool = False) -> Keywords:
        """The stage, touchpoint and emotion matches in a turn's words (a question: no emotions)."""
        options = list(map(self._by_pair.__getitem__, _pairs(words)))
        return (
            self.stages.match(words, options, 0),
            self.touchpoints.match(words, options, 1),
            [] if question else self.emotions.match(words, options, 2),
        )


Matches = list[tuple[Hit, bool]]  # keyword matches, each with whether a negation precedes it


#: A turn's stage, touchpoint and emotion matches (``RulesCoder.keywords``).
Keywords = tuple[Matches, Matches, Matches]


def _longest(candidates: tuple[_Candidate, ...], words: list[str], i: int) -> _Candidate | None:
    """The first of ``candidates`` (longest first) whose words from the third on follow ``i``."""
    for candidate in candidates:
        length, plain, rest, _ = candidate
        if length <= 2:
            return candidate  # its first two words were checked when the pair was indexed
        if plain is not None:
            if words[i + 2 : i + length] == plain:
                return candidate
        elif i + length <= len(words) and all(
            _fits(part, words[k]) for k, part in enumerate(rest, i + 2)
        ):
            return candidate
    return None


def phrases(hits: list[Hit], code: str) -> str:
    """The distinct matched phrases of ``code``, quoted: ``'on hold', 'rang'``."""
    return ", ".join(dict.fromkeys(f"'{h.phrase.lower()}'" for h in hits if h.code == code))
