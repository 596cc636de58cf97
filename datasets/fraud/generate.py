"""Card-transaction fraud data with planted truths: seeded, deterministic, numpy-vectorised.

Rows are card transactions of ~8k customers over 90 days (60k rows by default, ~2% fraud). Fraud is drawn
from a non-linear model with interactions, so a gradient-boosted tree clearly beats any single-feature rule:

- online + night (00–05 h) + new account (< 30 days): strong;
- amount far above the customer's 30-day average (ratio > 4, more above 8);
- abroad × far from home (> 1,000 km; far alone is common: domestic travel); an ATM abroad at night;
- a risky device (score > 0.75) on an online purchase; a burst of transactions (≥ 6 in 24 h) online;
- risky merchant categories online; prepaid cards.
Each of these alone is weak or absent (night, abroad or a new account alone barely move it).

Planted problems (`PLANTED` holds the numbers the tests check):

- `chargeback_flag` is a **target leak**: recorded after the outcome, it equals `is_fraud` but in ~1% of rows.
- ~1% **exact duplicate rows** (same `transaction_id` too, as from a double-ingested batch). A row-wise split
  scatters them across train/dev/test; a split by `customer_id` keeps each pair together.
- ~2% **near-duplicate rows**: same customer, merchant category, channel, country and amount within a cent,
  a few seconds later, with a new `transaction_id` and the same label (a double-submitted payment).
- `device_risk_score` is missing in ~3% of rows (at random).

Run: `python datasets/fraud/generate.py [--rows N] [--seed S] [--out PATH] [--if-missing]`.
This folder is deliberately not a Python package (a `datasets` package would shadow Hugging Face's).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

DEFAULT_OUT = Path(__file__).resolve().parent / "transactions.parquet"
START = datetime(2024, 3, 1)
DAYS = 90

MERCHANT_CATEGORIES = (
    "grocery", "restaurant", "fuel", "retail", "electronics", "travel",
    "entertainment", "health", "utilities", "jewelry", "digital_goods", "gambling",
)  # fmt: skip
MERCHANT_WEIGHTS = (0.22, 0.16, 0.11, 0.14, 0.06, 0.04, 0.06, 0.05, 0.06, 0.02, 0.05, 0.03)
# Typical spend per category, × the customer's typical amount.
MERCHANT_SPEND = (0.7, 0.5, 0.6, 1.0, 2.5, 3.0, 0.8, 0.9, 1.2, 4.0, 0.4, 1.5)
RISKY_MERCHANTS = ("electronics", "jewelry", "digital_goods", "gambling")
COUNTRIES = (
    "US", "CA", "MX", "GB", "DE", "FR", "ES", "IT", "NL", "SE",
    "PL", "BR", "AR", "IN", "CN", "JP", "AU", "NG", "RU", "AE",
)  # fmt: skip
HOME_COUNTRY_WEIGHTS = (0.55, 0.12, 0.05, 0.08, 0.06, 0.04, 0.03, 0.02, 0.02, 0.01,
                        0.01, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)  # fmt: skip
CARD_TYPES = ("debit", "credit", "prepaid", "corporate")
CARD_WEIGHTS = (0.48, 0.38, 0.08, 0.06)
CHANNELS = ("pos", "online", "atm")

TARGET_POSITIVE_RATE = 0.02
EXACT_DUPLICATE_FRACTION = 0.01
NEAR_DUPLICATE_FRACTION = 0.02
LEAK_NOISE_FRACTION = 0.01
MISSING_DEVICE_RISK_FRACTION = 0.03
NEAR_DUPLICATE_MAX_SECONDS = 30

PLANTED: dict[str, Any] = {
    "target": "is_fraud",
    "id_column": "transaction_id",
    "group_column": "customer_id",
    "time_column": "event_time",
    "positive_rate_range": (0.015, 0.025),
    "leaky_column": "chargeback_flag",
    "leak_agreement_min": 0.98,  # share of rows where chargeback_flag == is_fraud (≈ 1 - LEAK_NOISE_FRACTION)
    "exact_duplicate_fraction": EXACT_DUPLICATE_FRACTION,  # extra rows that repeat another row exactly
    "near_duplicate_fraction": NEAR_DUPLICATE_FRACTION,
    "near_duplicate_max_seconds": NEAR_DUPLICATE_MAX_SECONDS,
    "near_duplicate_max_amount_delta": 0.01,
    "missing_column": "device_risk_score",
    "missing_fraction": MISSING_DEVICE_RISK_FRACTION,
    "rows_per_customer": 7.5,
    "days": DAYS,
    "numeric_columns": (
        "amount",
        "account_age_days",
        "txn_count_24h",
        "avg_amount_30d",
        "distance_from_home_km",
        "hour_of_day",
        "device_risk_score",
    ),
    "categorical_columns": ("merchant_category", "channel", "country", "card_type"),
    "interactions": (
        "online & night & account_age_days < 30",
        "amount / avg_amount_30d > 4 (and > 8)",
        "foreign country & distance_from_home_km > 1000",
        "atm & night & foreign",
        "online & device_risk_score > 0.75",
        "online & txn_count_24h >= 6",
        "online & risky merchant category",
    ),
}


def generate(n_rows: int = 60_000, seed: int = 7) -> pl.DataFrame:
    """`n_rows` transactions (duplicates included) sorted by time; the same (n_rows, seed), the same frame."""
    if n_rows < 200:
        raise ValueError("n_rows must be at least 200")
    rng = np.random.default_rng(seed)
    n_exact = round(n_rows * EXACT_DUPLICATE_FRACTION)
    n_near = round(n_rows * NEAR_DUPLICATE_FRACTION)
    n = n_rows - n_exact - n_near

    # ---- customers ---------------------------------------------------------------------------------------
    n_customers = max(20, round(n_rows / PLANTED["rows_per_customer"]))
    home = rng.choice(len(COUNTRIES), n_customers, p=_norm(HOME_COUNTRY_WEIGHTS))
    age0 = np.where(
        rng.random(n_customers) < 0.08, rng.integers(0, 30, n_customers), rng.gamma(2.0, 500, n_customers)
    )
    typical = rng.lognormal(np.log(45), 0.9, n_customers)
    card_of = rng.choice(len(CARD_TYPES), n_customers, p=_norm(CARD_WEIGHTS))
    activity = rng.pareto(2.5, n_customers) + 0.2

    # ---- transactions ------------------------------------------------------------------------------------
    cust = rng.choice(n_customers, n, p=activity / activity.sum())
    day = rng.integers(0, DAYS, n)
    hour = _hours(rng, n)
    seconds = day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)
    merchant = rng.choice(len(MERCHANT_CATEGORIES), n, p=_norm(MERCHANT_WEIGHTS))
    online_bias = np.isin(
        merchant, [MERCHANT_CATEGORIES.index(m) for m in ("electronics", "digital_goods", "travel")]
    )
    channel = np.where(rng.random(n) < np.where(online_bias, 0.7, 0.25), 1, 0)
    channel[(rng.random(n) < 0.07) & (channel == 0)] = 2  # atm
    foreign = rng.random(n) < np.where(channel == 1, 0.10, 0.05)
    country = np.where(
        foreign, (home[cust] + rng.integers(1, len(COUNTRIES), n)) % len(COUNTRIES), home[cust]
    )
    # Far from home is common and harmless alone (domestic travel, border towns); far *and* abroad is not.
    travelling = rng.random(n) < 0.06
    far = rng.lognormal(np.log(2000), 0.6, n)
    near = rng.lognormal(np.log(8), 1.0, n)
    distance = np.where(foreign, np.where(rng.random(n) < 0.5, far, rng.lognormal(np.log(250), 0.6, n)), near)
    distance = np.where(~foreign & travelling, far, distance)
    distance[channel == 1] *= rng.random((channel == 1).sum()) < 0.4  # online: often no location (0 km)
    account_age = np.floor(age0[cust] + day).astype(np.int64)
    avg_30d = typical[cust] * rng.lognormal(0, 0.12, n)
    spike = rng.random(n) < 0.04
    ratio = rng.lognormal(0, 0.55, n) * np.where(spike, rng.uniform(3, 15, n), 1.0)
    amount = np.round(avg_30d * np.asarray(MERCHANT_SPEND)[merchant] ** 0.5 * ratio, 2).clip(0.5)
    burst = rng.random(n) < 0.05
    txn_24h = rng.poisson(np.where(burst, 8.0, 1.5)) + 1
    device_risk = rng.beta(np.where(channel == 1, 2.5, 1.5), 8.0)
    risky_device = (channel == 1) & (rng.random(n) < 0.06)
    device_risk[risky_device] = rng.uniform(0.75, 1.0, risky_device.sum())

    # ---- fraud: a non-linear model with interactions -----------------------------------------------------
    online, atm = channel == 1, channel == 2
    night = hour < 6
    new_account = account_age < 30
    amount_ratio = amount / avg_30d
    risky_merchant = np.isin(merchant, [MERCHANT_CATEGORIES.index(m) for m in RISKY_MERCHANTS])
    logit = (
        5.5 * (online & night & new_account)
        + 3.0 * (amount_ratio > 4)
        + 1.0 * (amount_ratio > 8)
        + 3.5 * (foreign & (distance > 1_000))
        + 3.5 * (atm & night & foreign)
        + 3.5 * (online & (device_risk > 0.75))
        + 3.0 * (online & (txn_24h >= 6))
        + 1.5 * (online & risky_merchant)
        + 0.6 * (card_of[cust] == CARD_TYPES.index("prepaid"))
        + 0.5 * new_account
        + 0.2 * night
        + 0.3 * foreign
        + rng.normal(0, 0.3, n)
    )
    intercept = _intercept_for_rate(logit, TARGET_POSITIVE_RATE)
    is_fraud = (rng.random(n) < _sigmoid(logit + intercept)).astype(np.int8)
    chargeback = np.where(rng.random(n) < LEAK_NOISE_FRACTION, 1 - is_fraud, is_fraud).astype(np.int8)
    device_risk_out = np.where(rng.random(n) < MISSING_DEVICE_RISK_FRACTION, np.nan, np.round(device_risk, 4))

    base = pl.DataFrame(
        {
            "transaction_id": np.arange(n, dtype=np.int64),  # re-numbered in time order below
            "customer_id": cust.astype(np.int64) + 100_000,
            "seconds": seconds.astype(np.int64),
            "amount": amount,
            "account_age_days": account_age,
            "txn_count_24h": txn_24h.astype(np.int64),
            "avg_amount_30d": np.round(avg_30d, 2),
            "distance_from_home_km": np.round(distance, 1),
            "hour_of_day": hour.astype(np.int64),
            "device_risk_score": device_risk_out,
            "merchant_category": np.asarray(MERCHANT_CATEGORIES)[merchant],
            "channel": np.asarray(CHANNELS)[channel],
            "country": np.asarray(COUNTRIES)[country],
            "card_type": np.asarray(CARD_TYPES)[card_of[cust]],
            "chargeback_flag": chargeback,
            "is_fraud": is_fraud,
        }
    ).with_columns(pl.col("device_risk_score").fill_nan(None))
    base = base.sort("seconds", "transaction_id").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).add(1_000_000).alias("transaction_id")
    )

    # ---- planted duplicates ------------------------------------------------------------------------------
    picked = rng.choice(n, n_exact + n_near, replace=False)
    exact = base[np.sort(picked[:n_exact])]
    near_src = base[np.sort(picked[n_exact:])]
    near = near_src.with_columns(
        pl.Series("transaction_id", np.arange(n_near, dtype=np.int64) + 1_000_000 + n),
        (pl.col("seconds") + pl.Series(rng.integers(1, NEAR_DUPLICATE_MAX_SECONDS + 1, n_near))).alias(
            "seconds"
        ),
        (pl.col("amount") + pl.Series(rng.choice([-0.01, 0.0, 0.01], n_near)))
        .round(2)
        .clip(0.01)
        .alias("amount"),
    )
    out = pl.concat([base, exact, near]).sort("seconds", "transaction_id", maintain_order=True)
    out = out.with_columns(
        (pl.lit(START) + pl.duration(seconds=pl.col("seconds"))).alias("event_time"),
        (pl.col("seconds") // 3_600 % 24).alias("hour_of_day"),
    ).drop("seconds")
    first = ["transaction_id", "customer_id", "event_time"]
    return out.select(*first, *[c for c in out.columns if c not in first])


def _hours(rng: np.random.Generator, n: int) -> np.ndarray:
    """Hour of day: busy in the day, quiet at night."""
    weights = np.array(
        [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.5, 3, 4, 4.5, 5, 5.5, 6, 5.5, 5, 5, 5.5, 6, 6, 5, 4, 3, 2, 1.4]
    )
    return rng.choice(24, n, p=weights / weights.sum())


def _norm(weights: tuple[float, ...]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _intercept_for_rate(logit: np.ndarray, rate: float) -> float:
    """The intercept that makes the mean fraud probability `rate` (bisection; the mean is monotone in it)."""
    lo, hi = -20.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if _sigmoid(logit + mid).mean() < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000, help="rows to write, duplicates included")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Parquet file to write")
    parser.add_argument("--if-missing", action="store_true", help="do nothing when the output file exists")
    args = parser.parse_args(argv)
    if args.if_missing and args.out.exists():
        print(f"{args.out} exists; left as it is")
        return 0
    t0 = time.perf_counter()
    df = generate(args.rows, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(args.out)
    rate = df["is_fraud"].mean()
    seconds = time.perf_counter() - t0
    print(f"wrote {df.height:,} rows × {df.width} columns to {args.out} ({rate:.2%} fraud, {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
