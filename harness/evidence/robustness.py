"""Robustness: the metric drop and the share of changed predictions when the test rows are perturbed the way
production data goes wrong — numeric noise at each column's own scale, fields missing, categories never seen
in training; for text: typos, casing, truncation — and the declared directional expectations
(`[evidence] directional`, e.g. amount up → fraud score not down). Seeded; on a sample of the test rows.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import polars as pl

from harness.dataset import Predictions, Split
from harness.evidence.context import EvidenceContext, advantage, metric_on
from harness.evidence.model import Perturbation, Robustness
from harness.types import TaskKind

MAX_ROWS = 20_000  # tables: predicting is cheap, and a rare class needs rows for a stable metric
MAX_TEXT_ROWS = 1000  # text: every perturbed copy is encoded again
RATE = 0.10  # share of cells (or words) perturbed
NOISE_SD = 0.10  # numeric noise, in train standard deviations
UNSEEN = "__unseen__"

Perturb = Callable[[pl.DataFrame, np.random.Generator], pl.DataFrame]


def _sd(column: pl.Series) -> float:
    sd = column.cast(pl.Float64).std()
    return float(sd) if isinstance(sd, int | float) else 0.0


def _numeric_noise(ctx: EvidenceContext) -> tuple[str, str, Perturb] | None:
    cols = [c for c in ctx.task.numeric_columns if ctx.train.X.get_column(c).dtype.is_numeric()]
    if not cols:
        return None
    sds = {c: _sd(ctx.train.X.get_column(c)) for c in cols}

    def apply(X: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        out = []
        for c in cols:
            col = X.get_column(c)
            noise = rng.normal(0.0, NOISE_SD * sds[c], X.height)
            out.append((col.cast(pl.Float64) + pl.Series(noise)).cast(col.dtype, strict=False).alias(c))
        return X.with_columns(out)

    return "numeric noise", f"Gaussian noise at {NOISE_SD:.0%} of each numeric column's train SD", apply


def _missing(ctx: EvidenceContext) -> tuple[str, str, Perturb] | None:
    cols = [c for c in ctx.task.feature_columns if c not in ctx.task.text_columns]
    if not cols:
        return None

    def apply(X: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        out = []
        for c in cols:
            hit = pl.Series(rng.random(X.height) < RATE)
            col = X.get_column(c)
            out.append(pl.select(pl.when(hit).then(None).otherwise(col)).to_series().cast(col.dtype).alias(c))
        return X.with_columns(out)

    return "fields missing", f"each field set missing with probability {RATE:.0%}", apply


def _unseen(ctx: EvidenceContext) -> tuple[str, str, Perturb] | None:
    cols = [c for c in ctx.task.categorical_columns if ctx.train.X.get_column(c).dtype == pl.String]
    if not cols:
        return None

    def apply(X: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        out = []
        for c in cols:
            hit = pl.Series(rng.random(X.height) < RATE)
            out.append(
                pl.select(pl.when(hit).then(pl.lit(UNSEEN)).otherwise(X.get_column(c))).to_series().alias(c)
            )
        return X.with_columns(out)

    return (
        "unseen categories",
        f"{RATE:.0%} of categorical values replaced by one never seen in training",
        apply,
    )


def _text(kind: str, ctx: EvidenceContext) -> tuple[str, str, Perturb] | None:
    cols = list(ctx.task.text_columns)
    if not cols:
        return None

    def typo(text: str, r: random.Random) -> str:
        words = text.split()
        for i, w in enumerate(words):
            if len(w) > 3 and r.random() < RATE:
                j = r.randrange(len(w) - 1)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        return " ".join(words)

    edits: dict[str, tuple[str, Callable[[str, random.Random], str]]] = {
        "typos": (f"two adjacent letters swapped in {RATE:.0%} of words", typo),
        "casing": ("all text upper-cased", lambda t, r: t.upper()),
        "truncation": (
            "only the first half of the words kept",
            lambda t, r: " ".join(t.split()[: max(1, len(t.split()) // 2)]),
        ),
    }
    detail, edit = edits[kind]

    def apply(X: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
        r = random.Random(int(rng.integers(2**31)))
        return X.with_columns(
            [pl.Series(c, [edit(str(t or ""), r) for t in X.get_column(c).to_list()]) for c in cols]
        )

    return kind, detail, apply


def _score_of(task_kind: TaskKind, preds: Predictions, positive: int) -> np.ndarray | None:
    if task_kind is TaskKind.REGRESSION and preds.values is not None:
        return np.asarray(preds.values, dtype=float)
    if task_kind is TaskKind.BINARY and preds.proba is not None:
        return np.asarray(preds.proba, dtype=float)[:, positive]
    return None


def _changed(
    task_kind: TaskKind, a: Predictions, b: Predictions, y_sd: float, cut: float | None, positive: int
) -> float | None:
    """Share of rows whose served decision changed: the label at the candidate's threshold (binary), the
    label (multiclass), a move of more than 0.1 target SD (regression)."""
    if task_kind is TaskKind.BINARY and cut is not None and a.proba is not None and b.proba is not None:
        pa = np.asarray(a.proba)[:, positive] >= cut
        return float(np.mean(pa != (np.asarray(b.proba)[:, positive] >= cut)))
    if task_kind is TaskKind.REGRESSION:
        if a.values is None or b.values is None:
            return None
        return float(np.mean(np.abs(np.asarray(a.values) - np.asarray(b.values)) > 0.1 * max(y_sd, 1e-12)))
    la = a.labels if a.labels is not None else (None if a.proba is None else np.asarray(a.proba).argmax(1))
    lb = b.labels if b.labels is not None else (None if b.proba is None else np.asarray(b.proba).argmax(1))
    if la is None or lb is None:
        return None
    return float(np.mean(np.asarray(la) != np.asarray(lb)))


def robustness_of(ctx: EvidenceContext, name: str, rows: np.ndarray) -> Robustness | None:
    from harness.evidence.context import take
    from harness.measure.measurement import predict_in_batches
    from harness.protocol import subset

    task, model = ctx.task, ctx.models[name]
    sample = subset(ctx.test, rows, "robustness")
    clean_preds = take(ctx.test_preds[name], rows)
    clean = metric_on(task, sample.y, clean_preds, ctx.metric, seed=ctx.seed)
    if clean is None:
        return None
    y_sd = float(np.std(ctx.train.y)) if task.kind is TaskKind.REGRESSION else 1.0
    makers = [_numeric_noise(ctx), _missing(ctx), _unseen(ctx)]
    makers += [_text(k, ctx) for k in ("typos", "casing", "truncation")]
    out = Robustness(candidate=name, rows=len(rows), clean=clean.value)
    for i, made in enumerate(m for m in makers if m is not None):
        label, detail, perturb = made
        rng = np.random.default_rng(ctx.seed + 7919 * (i + 1))  # the same perturbation for every candidate
        p = Perturbation(name=label, detail=detail)
        try:
            X = perturb(sample.X, rng)
            preds = predict_in_batches(model, Split(sample.name, task, X, sample.y, sample.extra))
        except Exception as exc:  # a model that cannot take the perturbed input: that is the finding
            p.detail += f"; predict failed: {' '.join(str(exc).split())[:160]}"
            out.perturbations.append(p)
            continue
        mv = metric_on(task, sample.y, preds, ctx.metric, seed=ctx.seed)
        if mv is not None:
            p.score = mv.value
            p.drop = advantage(clean.value, mv.value, ctx.greater_is_better)
        positive = 1 if task.positive_index is None else task.positive_index
        cut = ctx.measurements[name].details.get("threshold")
        p.changed = _changed(task.kind, clean_preds, preds, y_sd, cut, positive)
        out.perturbations.append(p)
    out.perturbations += _directional(ctx, name, sample, clean_preds)
    return out


def _directional(ctx: EvidenceContext, name: str, sample: Split, clean: Predictions) -> list[Perturbation]:
    from harness.measure.measurement import predict_in_batches

    task = ctx.task
    positive = 1 if task.positive_index is None else task.positive_index
    base = _score_of(task.kind, clean, positive)
    out = []
    for column, direction in ctx.spec.evidence.directional.items():
        if column not in sample.X.columns or base is None:
            continue
        sd = _sd(ctx.train.X.get_column(column)) or 1.0
        X = sample.X
        moved = X.with_columns((X.get_column(column).cast(pl.Float64) + sd).cast(X.get_column(column).dtype))
        split = Split("directional", task, moved, sample.y, sample.extra)
        after = _score_of(task.kind, predict_in_batches(ctx.models[name], split), positive)
        if after is None:
            continue
        delta = after - base
        wrong = delta < -1e-9 if direction == "increasing" else delta > 1e-9
        out.append(
            Perturbation(
                name=f"{column} up → score {'not down' if direction == 'increasing' else 'not up'}",
                detail=f"{column} raised by one train SD ({sd:.3g}) on every row",
                violations=float(np.mean(wrong)),
            )
        )
    return out


def measure_robustness(ctx: EvidenceContext, budget_s: float) -> tuple[list[Robustness], str | None]:
    """Every candidate while the budget lasts, the chosen one first. Returns (results, why some were left)."""
    import time

    if ctx.task.kind is TaskKind.QA:
        return [], "QA answers are not perturbed (robustness is measured for tables and text classification)"
    n = len(ctx.test)
    cap = MAX_TEXT_ROWS if ctx.task.text_columns else MAX_ROWS
    rows = np.sort(np.random.default_rng(ctx.seed).choice(n, size=min(n, cap), replace=False))
    started, out, left = time.monotonic(), [], []
    for name in ctx.ranked():
        if name not in ctx.models:
            continue
        if time.monotonic() - started > budget_s:
            left.append(name)
            continue
        result = robustness_of(ctx, name, rows)
        if result is not None:
            out.append(result)
    why = f"time budget spent before {', '.join(left)}" if left else None
    return out, why
