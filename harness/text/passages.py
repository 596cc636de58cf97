"""Passage handling shared by the QA candidates and QA metrics: answer normalisation, fact lines, tokens.

An extractive reader answers with one *fact line* of the retrieved passage (a Markdown bullet, a `Key:
value` line, or a sentence of prose). When the line is a short `label: value` pair, the value is the
answer — the form reference answers of spec sheets take ("$129.99", not "Price: $129.99")."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.IGNORECASE)
_PUNCT = str.maketrans("", "", string.punctuation)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_TOKEN = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
_MAX_LABEL_WORDS = 4

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "by",
        "with",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "much",
        "many",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "and",
        "or",
        "there",
        "their",
        "as",
        "from",
        "can",
        "could",
        "would",
        "should",
        "will",
        "about",
        "into",
    ]
)


def normalize_answer(text: str) -> str:
    """SQuAD-style normalisation: lower case, no punctuation, no articles, single spaces."""
    text = _ARTICLES.sub(" ", str(text).lower().translate(_PUNCT))
    return " ".join(text.split())


def fact_lines(passage: str) -> list[str]:
    """The passage split into answerable units: non-empty lines, bullets stripped, headings dropped, and prose
    lines split into sentences."""
    out: list[str] = []
    for raw in str(passage).splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = _BULLET.sub("", line)
        out.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return out or [str(passage).strip()]


def is_key_value(line: str) -> bool:
    label, sep, value = line.partition(":")
    return bool(sep and value.strip()) and 0 < len(label.split()) <= _MAX_LABEL_WORDS


def answer_lines(passage: str) -> list[str]:
    """The lines a reader may answer with: the `label: value` facts when the passage has any (a spec sheet's
    prose names the product, so it would out-score every fact on similarity), else every sentence."""
    lines = fact_lines(passage)
    facts = [line for line in lines if is_key_value(line)]
    return facts or lines


def line_value(line: str) -> str:
    """The value of a short `label: value` line (the answer a spec sheet gives), else the whole line."""
    return line.partition(":")[2].strip() if is_key_value(line) else line.strip()


def tokens(text: str) -> list[str]:
    """Lower-case word tokens without stop words (BM25 and lexical line choice); keeps '1.2', 'k-312'."""
    return [t for t in _TOKEN.findall(str(text).lower()) if t not in STOPWORDS]


def best_lexical_line(question: str, lines: Sequence[str]) -> int:
    """Index of the line sharing the most question tokens (ties: the earlier line)."""
    q = set(tokens(question))
    scores = [len(q & set(tokens(line))) for line in lines]
    return max(range(len(lines)), key=lambda i: (scores[i], -i)) if lines else 0


def answer_in(answer: str, passage: str) -> bool:
    """Does the (normalised) answer occur in the (normalised) passage as whole words?"""
    norm = normalize_answer(answer)
    return bool(norm) and f" {norm} " in f" {normalize_answer(passage)} "
