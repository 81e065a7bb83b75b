"""Which themes' rules a finding could match, from its lexemes alone: a sound pre-filter.

Matching a finding's vector against every theme's compiled rules (`vector @@ query`, 45
queries of dozens of phrases each) was most of the features statement's time: ~0.8 ms of
PostgreSQL a letter, for a handful of hits among ~700 tries. Most tries cannot match: a
phrase needs every one of its words in the finding. So the queries are read here (their
text, as PostgreSQL prints a tsquery) into what a match needs, "one of these sets of
lexemes, all of it", and only the themes a finding's lexemes leave possible are then asked
of PostgreSQL, which still decides every match itself (phrases, distances, negations).

The pre-filter never drops a theme that could match: anything it cannot read a need from
(a negation, a prefix `:*`) leaves the theme possible. `RuleIndex.possible` is checked
against PostgreSQL's own matching of every theme on real findings in the tests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A need: the finding matches only if it has every lexeme of one of these sets; None: no
# need could be read (always possible).
Need = frozenset[frozenset[str]] | None

# Above this many sets, a conjunction keeps one side's sets only (still a need, weaker).
_MAX_SETS = 64
_TOKEN = re.compile(r"\s*(?:(\()|(\))|(!)|(&)|(\|)|<(-|\d+)>|('(?:[^'\\]|''|\\.)*')(:[*A-Da-d]+)?)")


class _Parser:
    """A tsquery's text (as `tsquery::text` prints it) to its need, by precedence:
    `|` binds loosest, then `&`, then the phrase operators `<->` and `<N>`, then `!`."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise ValueError(f"not a tsquery: {text!r} at {position}")
            position = match.end()
            opening, closing, negation, conjunction, disjunction, distance, operand, flags = (
                match.groups()
            )
            if operand is not None:
                # A prefix (`:*`) matches lexemes that cannot be listed: read as "". Weights
                # alone (`:A`) only narrow a match: the lexeme is still needed.
                prefix = flags is not None and "*" in flags
                self.tokens.append(("operand", "" if prefix else _unquote(operand)))
            elif opening:
                self.tokens.append(("(", ""))
            elif closing:
                self.tokens.append((")", ""))
            elif negation:
                self.tokens.append(("!", ""))
            elif conjunction:
                self.tokens.append(("&", ""))
            elif disjunction:
                self.tokens.append(("|", ""))
            else:
                self.tokens.append(("<>", distance))
        self.at = 0

    def need(self) -> Need:
        need = self._any()
        if self.at != len(self.tokens):
            raise ValueError("not a tsquery: unbalanced")
        return need

    def _peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def _any(self) -> Need:
        need = self._all()
        while self._peek() == "|":
            self.at += 1
            need = _either(need, self._all())
        return need

    def _all(self) -> Need:
        need = self._phrase()
        while self._peek() == "&":
            self.at += 1
            need = _both(need, self._phrase())
        return need

    def _phrase(self) -> Need:
        need = self._single()
        while self._peek() == "<>":
            self.at += 1
            # Both sides of a phrase must match, at some distance: a need of each holds.
            need = _both(need, self._single())
        return need

    def _single(self) -> Need:
        kind = self._peek()
        if kind is None:
            raise ValueError("not a tsquery: ends early")
        if kind == "!":
            self.at += 1
            self._single()  # a negation needs nothing present
            return None
        if kind == "(":
            self.at += 1
            need = self._any()
            if self._peek() != ")":
                raise ValueError("not a tsquery: unbalanced")
            self.at += 1
            return need
        if kind == "operand":
            lexeme = self.tokens[self.at][1]
            self.at += 1
            # A prefix operand (read as "") matches lexemes we cannot list: no need.
            return frozenset({frozenset({lexeme})}) if lexeme else None
        raise ValueError(f"not a tsquery: {kind} out of place")


def _unquote(operand: str) -> str:
    """'it''s' -> it's (tsquery doubles a quote and escapes a backslash)."""
    return re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", operand[1:-1])


def _either(left: Need, right: Need) -> Need:
    if left is None or right is None:
        return None
    return left | right


def _both(left: Need, right: Need) -> Need:
    if left is None:
        return right
    if right is None:
        return left
    if len(left) * len(right) > _MAX_SETS:
        return min(left, right, key=len)  # either side's need alone is still a need
    return frozenset(a | b for a in left for b in right)


def query_need(query: str) -> Need:
    """What a finding's lexemes must hold for this tsquery (in text) to be able to match."""
    return _Parser(query).need()


class RuleIndex:
    """Themes' compiled rules by the lexemes that can start a match: for a finding's
    lexemes, the themes whose rules it could match, in a few look-ups."""

    def __init__(self, queries: dict[str, str]) -> None:
        self.always: list[str] = []  # themes with no need read: always possible
        # One lexeme of each needed set (its longest: longer words are rarer) to the themes
        # it alone makes possible, and to the others with the rest of their sets: a set can
        # only be whole in a finding that has that lexeme.
        alone: dict[str, set[str]] = {}
        with_others: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for slug, query in queries.items():
            try:
                need = query_need(query)
            except ValueError:  # a query this cannot read is left to PostgreSQL, every time
                need = None
            if need is None or frozenset() in need:
                self.always.append(slug)
                continue
            for lexemes in need:
                key = max(sorted(lexemes), key=len)
                if len(lexemes) == 1:
                    alone.setdefault(key, set()).add(slug)
                else:
                    with_others.setdefault(key, []).append((slug, lexemes - {key}))
        self._by_lexeme = {
            key: (frozenset(alone.get(key, ())), tuple(with_others.get(key, ())))
            for key in alone.keys() | with_others.keys()
        }
        self._anchors = frozenset(self._by_lexeme)

    def possible(self, lexemes: Iterable[str]) -> set[str]:
        """The themes whose rules a finding with these lexemes could match."""
        found = set(self.always)
        present = lexemes if isinstance(lexemes, (set, frozenset)) else frozenset(lexemes)
        for lexeme in self._anchors.intersection(present):
            sure, others = self._by_lexeme[lexeme]
            found |= sure
            for slug, rest in others:
                if rest <= present:
                    found.add(slug)
        return found
