"""Target leakage: one column that predicts the target too well, timestamps after the label, ids that encode
it.

The one-feature model is a lookup table: quantile bins of a number (or the category itself) → the target rate
(classification) or mean (regression) learned on one half of a sample, scored on the other half with sklearn's
ROC-AUC / R². Out-of-sample matters: a unique id is a perfect lookup in-sample but its values never recur, so
it scores 0.5 held out — unless its ordering or its prefix really does carry the label, which is then
reported.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from harness.audit._frame import collect, encode_target, is_categorical, is_numeric, is_temporal
from harness.audit.findings import Finding
from harness.dataset import Task
from harness.measure.fast import binary_auc
from harness.spec import DecisionSpec

N_BINS = 20
SMOOTHING = 1.0  # pseudo-rows of the prior mixed into each bin's rate
STRONG_FEATURE = 0.9  # ≥ this (but under the leakage threshold): worth an info line
ID_UNIQUE_SHARE = 0.5  # a text column with at least this share of distinct values looks like an identifier
TIME_LEAK_BLOCKING_SHARE = 0.05


def _codes_numeric(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    finite = train[np.isfinite(train)]
    edges = (
        np.unique(np.quantile(finite, np.linspace(0, 1, N_BINS + 1)[1:-1])) if len(finite) else np.zeros(0)
    )

    def code(v: np.ndarray) -> np.ndarray:
        out = np.searchsorted(edges, v, side="right")
        out[~np.isfinite(v)] = len(edges) + 1  # missing: a bin of its own
        return out

    return code(train), code(test), len(edges) + 2


def _codes_categorical(train: pl.Series, test: pl.Series) -> tuple[np.ndarray, np.ndarray, int]:
    cats = train.cast(pl.String).fill_null("\x00null")
    values = cats.unique()
    mapping = pl.DataFrame({"v": values, "c": np.arange(len(values), dtype=np.int64)})

    def code(s: pl.Series) -> np.ndarray:
        frame = s.cast(pl.String).fill_null("\x00null").alias("v").to_frame()
        joined = frame.join(mapping, on="v", how="left", maintain_order="left")
        return joined.get_column("c").fill_null(len(values)).to_numpy()  # unseen: the prior's bin

    return code(cats), code(test), len(values) + 1


def _lookup(
    train_codes: np.ndarray,
    test_codes: np.ndarray,
    n_codes: int,
    y_train: np.ndarray,
    task: Task,
    n_classes: int,
) -> np.ndarray:
    """The bin → smoothed class rates (n × K) or mean (n,) learned on train, looked up for the test codes."""
    counts = np.bincount(train_codes, minlength=n_codes).astype(np.float64)
    if task.is_classification:
        prior = np.bincount(y_train, minlength=n_classes) / len(y_train)
        per_class = np.stack(
            [np.bincount(train_codes[y_train == c], minlength=n_codes) for c in range(n_classes)], axis=1
        )
        return ((per_class + SMOOTHING * prior) / (counts[:, None] + SMOOTHING))[test_codes]
    sums = np.bincount(train_codes, weights=y_train, minlength=n_codes)
    return ((sums + SMOOTHING * float(np.mean(y_train))) / (counts + SMOOTHING))[test_codes]


def one_feature_score(
    halves: list[tuple[np.ndarray, np.ndarray, int]], y_halves: list[np.ndarray], task: Task
) -> float | None:
    """Cross-fitted score of the bin → target lookup: learned on each half, predicted on the other, and the
    pooled out-of-sample predictions scored with ROC-AUC (macro one-vs-rest for multiclass) or R²."""
    from sklearn.metrics import r2_score, roc_auc_score

    y = np.concatenate([y_halves[1], y_halves[0]])
    if len(y) < 20:
        return None
    n_classes = max(task.n_classes, int(y.max()) + 1) if task.is_classification else 0
    predictions = [
        _lookup(halves[0][0], halves[0][1], halves[0][2], y_halves[0], task, n_classes),  # A → B
        _lookup(halves[1][0], halves[1][1], halves[1][2], y_halves[1], task, n_classes),  # B → A
    ]
    scores = np.concatenate(predictions)
    if not task.is_classification:
        return float(r2_score(y, scores)) if np.var(y) > 0 else None
    present = np.unique(y)
    if len(present) < 2:
        return None
    try:
        if n_classes == 2:
            return binary_auc(y, scores[:, 1])  # sklearn's value, one call per column: no validation
        scores = scores[:, present] / scores[:, present].sum(axis=1, keepdims=True)
        return float(roc_auc_score(np.searchsorted(present, y), scores, multi_class="ovr"))
    except ValueError:
        return None


def _split_sample(
    sample: pl.DataFrame, task: Task, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray, np.ndarray]:
    return _halves(sample, encode_target(sample.get_column(task.target), task), task, seed)


def _halves(
    sample: pl.DataFrame, y: np.ndarray, task: Task, seed: int
) -> tuple[pl.DataFrame, pl.DataFrame, np.ndarray, np.ndarray]:
    """Two random halves of the rows with a target (class index ≥ 0, or a finite number)."""
    keep = y >= 0 if task.is_classification else np.isfinite(y)
    sample, y = sample.filter(pl.Series(keep)), y[keep]
    order = np.random.default_rng(seed).permutation(sample.height)
    half = sample.height // 2
    a, b = np.sort(order[:half]), np.sort(order[half:])
    return sample[a], sample[b], y[a], y[b]


def _codes(a: pl.Series, b: pl.Series) -> tuple[np.ndarray, np.ndarray, int]:
    """Bin codes of `a` (fit) and `b` (apply): quantile bins of a number, else one bin per value."""
    few_values = a.n_unique() <= 2 * N_BINS
    if (is_numeric(a.dtype) or is_temporal(a.dtype)) and not few_values:
        return _codes_numeric(
            a.to_physical().cast(pl.Float64, strict=False).to_numpy(),
            b.to_physical().cast(pl.Float64, strict=False).to_numpy(),
        )
    return _codes_categorical(a, b)  # a category, a flag or a small count: each value is its own bin


def _interpolated_r2(a: pl.Series, b: pl.Series, y_a: np.ndarray, y_b: np.ndarray) -> float | None:
    """Cross-fitted R² of a piecewise-linear fit through the quantile-bin means of a number (bins alone cap R²
    below 1 for a continuous copy of the target, which would hide the leak)."""
    from sklearn.metrics import r2_score

    def fit_predict(x_fit: np.ndarray, y_fit: np.ndarray, x_new: np.ndarray) -> np.ndarray:
        ok = np.isfinite(x_fit)
        bins = int(np.clip(ok.sum() // 5, 10, 400))  # ≥ 5 rows per knot
        order = np.argsort(x_fit[ok])
        chunks_x = np.array_split(x_fit[ok][order], bins)
        chunks_y = np.array_split(y_fit[ok][order], bins)
        centers = np.array([c.mean() for c in chunks_x if len(c)])
        means = np.array([c.mean() for c in chunks_y if len(c)])
        out = np.full(len(x_new), float(np.mean(y_fit)))
        fine = np.isfinite(x_new)
        out[fine] = np.interp(x_new[fine], centers, means)
        return out

    xa = a.cast(pl.Float64).fill_null(np.nan).to_numpy()
    xb = b.cast(pl.Float64).fill_null(np.nan).to_numpy()
    if len(y_a) < 20 or len(y_b) < 20 or not np.isfinite(xa).any() or not np.isfinite(xb).any():
        return None
    y = np.concatenate([y_b, y_a])
    if np.var(y) == 0:
        return None
    return float(r2_score(y, np.concatenate([fit_predict(xa, y_a, xb), fit_predict(xb, y_b, xa)])))


def _usable(dtype: pl.DataType) -> bool:
    return is_numeric(dtype) or is_temporal(dtype) or is_categorical(dtype)


def column_scores(sample: pl.DataFrame, task: Task, columns: list[str], seed: int) -> dict[str, float]:
    """Cross-fitted one-feature score of every usable column."""
    return _half_scores(*_split_sample(sample, task, seed), task, columns)


def encoded_column_scores(
    X: pl.DataFrame, y: np.ndarray, task: Task, columns: list[str], seed: int
) -> dict[str, float]:
    """`column_scores` of a frame without the target, given the encoded target (class index or number), e.g.
    a split's X and y."""
    return _half_scores(*_halves(X, np.asarray(y), task, seed), task, columns)


def _half_scores(
    a: pl.DataFrame, b: pl.DataFrame, y_a: np.ndarray, y_b: np.ndarray, task: Task, columns: list[str]
) -> dict[str, float]:
    schema = a.schema  # once: a wide frame's schema costs milliseconds per call
    scores: dict[str, float] = {}
    for column in columns:
        if not _usable(schema[column]):
            continue
        ca, cb = a.get_column(column), b.get_column(column)
        if not task.is_classification and is_numeric(ca.dtype) and ca.n_unique() > 2 * N_BINS:
            score = _interpolated_r2(ca, cb, y_a, y_b)
        else:
            score = one_feature_score([_codes(ca, cb), _codes(cb, ca)], [y_a, y_b], task)
        if score is not None:
            scores[column] = score
    return scores


def _identifier_parts(values: pl.Series) -> dict[str, pl.Series]:
    """Pieces of an id that could carry a label: leading/trailing 1–3 characters, the first/last token."""
    s = values.cast(pl.String).fill_null("")
    parts = {f"first {k} chars": s.str.slice(0, k) for k in (1, 2, 3)}
    parts |= {f"last {k} chars": s.str.slice(-k) for k in (1, 2, 3)}
    parts["first token"] = s.str.extract(r"^([^-_:/.\s]+)", 1).fill_null("")
    parts["last token"] = s.str.extract(r"([^-_:/.\s]+)$", 1).fill_null("")
    return parts


def identifier_scores(sample: pl.DataFrame, task: Task, column: str, seed: int) -> tuple[str, float] | None:
    """The best held-out score of any piece of an identifier-like column, with the piece's name."""
    a, b, y_a, y_b = _split_sample(sample, task, seed)
    parts_a, parts_b = _identifier_parts(a.get_column(column)), _identifier_parts(b.get_column(column))
    best: tuple[str, float] | None = None
    for name in parts_a:
        codes = [
            _codes_categorical(parts_a[name], parts_b[name]),
            _codes_categorical(parts_b[name], parts_a[name]),
        ]
        score = one_feature_score(codes, [y_a, y_b], task)
        if score is not None and (best is None or score > best[1]):
            best = (name, score)
    return best


def leakage_findings(sample: pl.DataFrame, task: Task, spec: DecisionSpec) -> list[Finding]:
    """One-feature leakage and identifiers that encode the label, on a (sample) frame holding the target."""
    if not task.target or task.target not in sample.columns or sample.height < 40:
        return []
    options = spec.audit
    threshold = options.leakage_auc_threshold if task.is_classification else options.leakage_r2_threshold
    metric = "ROC-AUC" if task.is_classification else "R²"
    features = set(task.feature_columns)
    text = set(task.text_columns)
    candidates = [c for c in sample.columns if c != task.target and c not in text]
    scores = column_scores(sample, task, candidates, spec.seed)
    findings: list[Finding] = []
    for column, score in sorted(scores.items(), key=lambda kv: -kv[1]):
        used = column in features
        if score >= threshold:
            findings.append(
                Finding(
                    code=f"leakage:{column}",
                    severity="blocking" if used else "warning",
                    title=f"{column!r} alone predicts {task.target!r} "
                    f"(held-out one-feature {metric} {score:.3f})",
                    evidence={
                        "statistic": metric,
                        "value": round(score, 4),
                        "threshold": threshold,
                        "rows_sampled": sample.height,
                        "used_as_feature": used,
                    },
                    fix=f"drop {column!r} if it is recorded after the outcome (drop_columns), "
                    "or acknowledge it",
                    columns=(column,),
                )
            )
        elif score >= STRONG_FEATURE and used:
            findings.append(
                Finding(
                    code=f"strong_feature:{column}",
                    severity="info",
                    title=f"{column!r} alone reaches held-out {metric} {score:.3f}",
                    evidence={"statistic": metric, "value": round(score, 4), "rows_sampled": sample.height},
                    fix=f"check that {column!r} is known at prediction time",
                    columns=(column,),
                )
            )
    flagged = {f.columns[0] for f in findings if f.code.startswith("leakage:")}
    schema = sample.schema
    for column in candidates:
        if column in flagged or schema[column] not in (pl.String, pl.Categorical):
            continue
        values = sample.get_column(column)
        if values.n_unique() < ID_UNIQUE_SHARE * sample.height:
            continue
        best = identifier_scores(sample, task, column, spec.seed)
        if best is not None and best[1] >= threshold:
            used = column in features
            findings.append(
                Finding(
                    code=f"leakage:{column}",
                    severity="blocking" if used else "warning",
                    title=f"identifier {column!r} encodes {task.target!r}: its {best[0]} give held-out "
                    f"{metric} {best[1]:.3f}",
                    evidence={
                        "statistic": metric,
                        "value": round(best[1], 4),
                        "part": best[0],
                        "threshold": threshold,
                        "used_as_feature": used,
                        "examples": values.head(3).to_list(),
                    },
                    fix=f"drop {column!r} (drop_columns) or re-issue ids that do not depend on the label",
                    columns=(column,),
                )
            )
    return findings


def time_leakage_findings(
    frame: pl.DataFrame | pl.LazyFrame, task: Task, spec: DecisionSpec
) -> list[Finding]:
    """Timestamp columns later than the label time (`[audit] label_time_column`, default data.time_column)."""
    label_time = spec.audit.label_time_column or spec.data.time_column
    schema = frame.collect_schema()
    if not label_time or label_time not in schema:
        return []
    others = [c for c, t in schema.items() if c != label_time and is_temporal(t)]
    if not others:
        return []
    exprs = []
    for c in others:
        later = pl.col(c).cast(pl.Datetime("us")) > pl.col(label_time).cast(pl.Datetime("us"))
        exprs += [later.sum().alias(f"{c}\x00later"), pl.col(c).is_not_null().sum().alias(f"{c}\x00present")]
    query = frame.select(exprs)
    stats = (collect(query) if isinstance(query, pl.LazyFrame) else query).row(0, named=True)
    findings = []
    for c in others:
        rows_later, present = int(stats[f"{c}\x00later"] or 0), int(stats[f"{c}\x00present"] or 0)
        if rows_later == 0 or present == 0:
            continue
        share = rows_later / present
        used = c in task.feature_columns
        findings.append(
            Finding(
                code=f"leakage:{c}",
                severity="blocking" if used and share >= TIME_LEAK_BLOCKING_SHARE else "warning",
                title=f"{c!r} is later than the label time {label_time!r} in {share:.1%} of rows",
                evidence={
                    "rows_later": rows_later,
                    "rows_with_value": present,
                    "fraction": share,
                    "label_time": label_time,
                    "used_as_feature": used,
                },
                fix=f"drop {c!r} (drop_columns): it is recorded after the outcome",
                columns=(c,),
            )
        )
    return findings
