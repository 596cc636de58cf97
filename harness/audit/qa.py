"""QA audit: duplicate and paraphrased questions, answers that disagree, answers found in no document.

Paraphrases ("What is the price of the X?" / "How much does the X cost?") share too few shingles for MinHash,
and questions about *different* facts of the same product share many, so lexical similarity alone cannot
separate them. Two signals are combined: MinHash near-duplicates (at the spec's Jaccard threshold, any answer)
and questions with the same answer whose TF-IDF cosine over rare words (in ≤ 2 % of questions: the product
name, the SKU) is ≥ `paraphrase_threshold`. Wrong teacher answers show up as answers that occur in no corpus
document, and as different answers to near-identical questions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from harness.audit._frame import EXAMPLES
from harness.audit.conflicts import conflicting_groups
from harness.audit.duplicates import text_duplicates
from harness.audit.findings import Finding, resolve, sort_findings
from harness.audit.minhash import normalize_texts
from harness.errors import InputError
from harness.spec import AuditOptions, DecisionSpec

PARAPHRASE_THRESHOLD = 0.5
RARE_WORD_SHARE = 0.02  # words in at most this share of questions (names, SKUs) decide a paraphrase


def same_answer_paraphrases(questions: pl.Series, answers: pl.Series, threshold: float) -> np.ndarray:
    """Pairs (i < j) with equal normalised answers and question TF-IDF cosine ≥ threshold."""
    from scipy.sparse import triu
    from sklearn.feature_extraction.text import TfidfVectorizer

    norm_q = normalize_texts(questions)
    if norm_q.str.len_chars().max() in (None, 0):
        return np.zeros((0, 2), dtype=np.int64)
    # Only rare words count (the product name, its SKU): template words shared by every "How many watts does
    # the … draw?" would otherwise pair up different products that happen to share an answer.
    rare_share = max(RARE_WORD_SHARE, 2 / len(norm_q))
    try:
        vectors = TfidfVectorizer(max_df=rare_share).fit_transform(norm_q.to_list())
    except ValueError:  # no word is rare enough
        return np.zeros((0, 2), dtype=np.int64)
    answer_codes = normalize_texts(answers).to_frame("a").with_columns(pl.col("a").rank("dense").alias("c"))
    codes = answer_codes.get_column("c").to_numpy()
    pairs: list[np.ndarray] = []
    for code in np.unique(codes):
        members = np.flatnonzero(codes == code)
        if len(members) < 2 or len(members) > 5_000:  # a very common answer ("yes") says nothing
            continue
        sims = triu(vectors[members] @ vectors[members].T, k=1).tocoo()
        keep = sims.data >= threshold
        pairs.append(np.stack([members[sims.row[keep]], members[sims.col[keep]]], axis=1))
    return np.concatenate(pairs) if pairs else np.zeros((0, 2), dtype=np.int64)


def answers_not_in_corpus(answers: pl.Series, corpus: Sequence[str] | pl.Series) -> np.ndarray:
    """Rows whose normalised answer occurs in no normalised corpus document (Aho–Corasick over the corpus)."""
    norm_a = normalize_texts(answers)
    docs = normalize_texts(
        corpus if isinstance(corpus, pl.Series) else pl.Series(list(corpus), dtype=pl.String)
    )
    patterns = norm_a.filter(norm_a != "").unique()
    if len(patterns) == 0 or len(docs) == 0:
        return np.zeros(0, dtype=np.int64)
    found = docs.str.extract_many(patterns.implode(), overlapping=True).explode().drop_nulls().unique()
    present = norm_a.is_in(found.implode()).to_numpy()
    return np.flatnonzero(~present & (norm_a != "").to_numpy())


def audit_qa(
    df: pl.DataFrame,
    question_col: str = "question",
    answer_col: str = "answer",
    *,
    corpus: Sequence[str] | pl.Series | None = None,
    spec: DecisionSpec | None = None,
    options: AuditOptions | None = None,
    paraphrase_threshold: float = PARAPHRASE_THRESHOLD,
    seed: int = 0,
) -> list[Finding]:
    """Findings for a QA table: duplicate / paraphrased questions, conflicting answers, answers absent from
    the corpus. Options come from `spec.audit` (or `options`, or the defaults)."""
    for name in (question_col, answer_col):
        if name not in df.columns:
            raise InputError(
                f"QA column {name!r} is not in the table",
                where="audit_qa",
                fix=f"pass one of: {', '.join(df.columns)}",
            )
    opts = spec.audit if spec is not None else options or AuditOptions()
    seed = spec.seed if spec is not None else seed
    questions, answers = df.get_column(question_col), df.get_column(answer_col)
    findings, labels = text_duplicates(questions, question_col, opts, seed)
    paraphrases = _paraphrase_finding(questions, answers, labels, question_col, paraphrase_threshold, opts)
    if paraphrases is not None:  # replaces the lexical near-duplicate finding
        findings = [f for f in findings if f.code != f"near_duplicates:{question_col}"]
        findings.append(paraphrases)
    conflict = _conflicting_answers_finding(questions, answers, labels, question_col)
    if conflict is not None:
        findings.append(conflict)
    if corpus is not None:
        missing = _answers_not_in_corpus_finding(questions, answers, corpus, answer_col)
        if missing is not None:
            findings.append(missing)
    return sort_findings(resolve(findings, spec) if spec is not None else findings)


def _paraphrase_finding(
    questions: pl.Series,
    answers: pl.Series,
    labels: np.ndarray,
    question_col: str,
    paraphrase_threshold: float,
    opts: AuditOptions,
) -> Finding | None:
    """Paraphrases with the same answer, merged into the near-duplicate clusters (`labels`)."""
    para = same_answer_paraphrases(questions, answers, paraphrase_threshold)
    if not len(para):
        return None
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(questions)
    rows = np.concatenate([para[:, 0], np.arange(n)])
    cols = np.concatenate([para[:, 1], _first_of(labels)])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    merged = connected_components(graph, directed=False)[1]
    effective = len(np.unique(merged))
    involved = np.unique(para.ravel())
    return Finding(
        code=f"near_duplicates:{question_col}",
        severity="warning",
        title=f"{n - effective:,} of {n:,} questions ({(n - effective) / n:.1%}) "
        "re-ask another question "
        f"(effective size {effective:,})",
        evidence={
            "redundant_rows": n - effective,
            "rows": n,
            "fraction": (n - effective) / n,
            "effective_rows": effective,
            "same_answer_paraphrase_pairs": len(para),
            "rows_in_paraphrase_pairs": len(involved),
            "paraphrase_threshold": paraphrase_threshold,
            "jaccard_threshold": opts.near_duplicate_threshold,
            "pairs": [[int(i), int(j)] for i, j in para[:1000]],
            "examples": [
                {"a": questions[int(i)], "b": questions[int(j)], "answer": answers[int(i)]}
                for i, j in para[:EXAMPLES]
            ],
        },
        fix="keep one question per cluster in training, and keep paraphrases out of the test split",
    )


def _conflicting_answers_finding(
    questions: pl.Series, answers: pl.Series, text_groups: np.ndarray, question_col: str
) -> Finding | None:
    """Different answers to the same (or a near-identical) question (`text_groups`: the lexical clusters)."""
    norm_answers = normalize_texts(answers).to_numpy()
    bad = conflicting_groups(text_groups, norm_answers)
    if not len(bad):
        return None
    rows_bad = np.flatnonzero(np.isin(text_groups, bad))
    return Finding(
        code=f"label_conflict:{question_col}",
        severity="warning",
        title=f"{len(bad):,} groups of near-identical questions get different answers "
        f"({len(rows_bad):,} rows)",
        evidence={
            "conflicting_groups": len(bad),
            "rows": [int(r) for r in rows_bad[:1000]],
            "examples": [
                [
                    {"question": questions[int(r)], "answer": answers[int(r)]}
                    for r in np.flatnonzero(text_groups == g)[:4]
                ]
                for g in bad[:EXAMPLES]
            ],
        },
        fix="check these answers against the source documents and correct the wrong ones",
    )


def _answers_not_in_corpus_finding(
    questions: pl.Series, answers: pl.Series, corpus: Sequence[str] | pl.Series, answer_col: str
) -> Finding | None:
    missing = answers_not_in_corpus(answers, corpus)
    if not len(missing):
        return None
    n = len(answers)
    return Finding(
        code=f"answer_not_in_corpus:{answer_col}",
        severity="warning",
        title=f"{len(missing):,} answers ({len(missing) / n:.1%}) occur in no corpus document",
        evidence={
            "rows": [int(r) for r in missing[:1000]],
            "count": len(missing),
            "documents": len(corpus),
            "examples": [
                {"question": questions[int(r)], "answer": answers[int(r)]} for r in missing[:EXAMPLES]
            ],
        },
        fix="check these teacher answers against the documents; wrong ones teach the model errors",
    )


def _first_of(labels: np.ndarray) -> np.ndarray:
    first: dict[int, int] = {}
    out = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels.tolist()):
        out[i] = first.setdefault(label, i)
    return out
