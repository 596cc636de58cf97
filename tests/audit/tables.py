"""Planted tables for the entity and contamination tests: a panel (people seen several times), i.i.d. rows
with the same columns, and survey answers with many natural duplicates."""

from __future__ import annotations

import numpy as np
import polars as pl


def panel(
    n_entities: int = 300,
    rows_each: int = 6,
    *,
    seed: int = 0,
    shuffle: bool = True,
    classification: bool = False,
    entity_id: bool = False,
    wave: bool = False,
) -> pl.DataFrame:
    """Planted truth: `n_entities` people seen `rows_each` times. Sex, birth year, race and region stay fixed
    per person; each person has their own level of `y` (ICC about 0.6); no id column unless asked."""
    rng = np.random.default_rng(seed)
    person = np.repeat(np.arange(n_entities), rows_each)
    level = rng.normal(size=n_entities)[person]
    x = rng.normal(size=len(person))
    sex = rng.choice(["f", "m"], n_entities)[person]
    y = level + 0.5 * x + 0.3 * (sex == "m") + rng.normal(scale=0.5, size=len(person))
    columns: dict[str, object] = {
        "sex": sex,
        "birth_year": rng.integers(1950, 2000, n_entities)[person],
        "race": rng.choice(list("abcde"), n_entities, p=[0.6, 0.15, 0.1, 0.1, 0.05])[person],
        "region": rng.choice([f"r{i}" for i in range(10)], n_entities)[person],
        "x": x,
        "y": (y > 0.3).astype(np.int64) if classification else y,
    }
    if entity_id:
        columns["person_id"] = person + 1000
    if wave:
        columns["wave"] = np.tile(np.arange(1, rows_each + 1), n_entities)
    df = pl.DataFrame(columns)
    return df.sample(fraction=1.0, shuffle=True, seed=seed) if shuffle else df


def iid(n: int = 1800, seed: int = 0) -> pl.DataFrame:
    """The same columns drawn afresh for every row: no entity."""
    rng = np.random.default_rng(seed)
    sex = rng.choice(["f", "m"], n)
    birth = rng.integers(1950, 2000, n)
    x = rng.normal(size=n)
    return pl.DataFrame(
        {
            "sex": sex,
            "birth_year": birth,
            "race": rng.choice(list("abcde"), n, p=[0.6, 0.15, 0.1, 0.1, 0.05]),
            "region": rng.choice([f"r{i}" for i in range(10)], n),
            "x": x,
            "y": 0.5 * x + 0.3 * (sex == "m") + 0.02 * (birth - 1975) + rng.normal(size=n),
        }
    )


def low_cardinality(n: int = 6000, seed: int = 0) -> pl.DataFrame:
    """12 survey answers with 2–4 values each, skewed and correlated through one latent attitude (as real
    answers are), and a label driven by that attitude: thousands of natural duplicates, no entity."""
    rng = np.random.default_rng(seed)
    attitude = rng.normal(size=n)
    cols = {}
    for i in range(12):
        levels = (2, 3, 4)[i % 3]
        cuts = np.quantile(rng.normal(size=10_000), np.linspace(0.55, 0.95, levels - 1))
        cols[f"q{i}"] = np.searchsorted(cuts, attitude + rng.normal(scale=0.6, size=n))
    logit = 1.5 * attitude - 0.5 + 0.4 * (cols["q1"] == 0) * cols["q2"]
    cols["label"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pl.DataFrame(cols)
