"""Support-ticket intents with an out-of-scope label: seeded, deterministic, planted truths.

Short customer messages for 8 intents of a ticket router, built from per-intent templates and slot fillers,
plus `oos` messages about things the router does not handle (weather, recipes, trivia, …). Planted truths the
tests rely on (`PLANTED`):

- every in-scope message contains at least one of its intent's **cue words** (`CUES`), so a lexical model
  separates the intents well, and a model that ignores the text cannot (8 balanced intents: ~11% by chance);
- `oos` messages share **no cue word** with any intent: any model that routes them to an intent is failing
  the "asked outside its training distribution" test, which OOS recall measures;
- ~3% of in-scope messages are **paraphrase near-duplicates** (a filler word added), the kind of leak the
  audit's near-duplicate check should see across splits;
- `oos` is ~15% of the rows.

Run: `python datasets/intents/generate.py [--per-intent N] [--seed S] [--out PATH] [--if-missing]` — writes
`intents.csv` (columns `text`, `intent`) beside this file. Not a Python package (it would shadow HF
`datasets`); tests load it by path and call `generate(per_intent, seed)`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

DEFAULT_OUT = Path(__file__).resolve().parent / "intents.csv"
OOS = "oos"

TEMPLATES: dict[str, tuple[str, ...]] = {
    "billing": (
        "i was {charged} twice for my {plan} subscription",
        "why is my {invoice} higher this month",
        "please send me a copy of the {invoice} for {month}",
        "i want a {refund} for the last {invoice}",
        "my card was {charged} but the {plan} plan did not upgrade",
    ),
    "shipping": (
        "where is my {parcel}, it was due on {weekday}",
        "the {parcel} tracking number does not work",
        "can you change the {delivery} address for my order",
        "my {parcel} arrived damaged after {delivery}",
        "how long does {delivery} to {country} take",
    ),
    "login": (
        "i cannot {login} to my account",
        "the {password} reset email never arrives",
        "my account is {locked} after too many attempts",
        "two factor {code} is not accepted when i {login}",
        "how do i change my {password}",
    ),
    "cancel": (
        "please {cancel} my {plan} subscription",
        "how do i {cancel} before the {month} renewal",
        "i want to {cancel} and close my account",
        "stop the {plan} plan from renewing, {cancel} it",
    ),
    "bug_report": (
        "the app {crashes} when i open {screen}",
        "{screen} shows an {error} since the update",
        "i get an {error} code when saving {screen}",
        "the page {crashes} on {device}",
    ),
    "feature_request": (
        "could you add {feature} to the app",
        "it would be great to {wish} {feature}",
        "please {wish} support for {feature}",
        "any plans to add {feature} on {device}",
    ),
    "pricing": (
        "how much does the {plan} plan {cost}",
        "is there a {discount} for students on {plan}",
        "what does {plan} {cost} per year",
        "do you offer a {discount} for teams",
    ),
    "data_privacy": (
        "please {delete} all my personal {data}",
        "how do you {store} my {data}",
        "i want an {export} of my {data} under gdpr",
        "who can see my {data} and how long do you {store} it",
    ),
}
SLOTS: dict[str, tuple[str, ...]] = {
    "charged": ("charged", "billed"),
    "plan": ("premium", "basic", "family", "pro"),
    "invoice": ("invoice", "bill", "receipt"),
    "month": ("january", "march", "june", "october"),
    "refund": ("refund", "reimbursement"),
    "parcel": ("parcel", "package", "shipment"),
    "weekday": ("monday", "friday", "sunday"),
    "delivery": ("delivery", "shipping"),
    "country": ("canada", "germany", "japan", "brazil"),
    "login": ("log in", "login", "sign in"),
    "password": ("password", "passcode"),
    "locked": ("locked", "blocked", "suspended"),
    "code": ("code", "token"),
    "cancel": ("cancel", "terminate", "end"),
    "crashes": ("crashes", "freezes", "hangs"),
    "screen": ("settings", "the dashboard", "my profile", "reports"),
    "error": ("error", "exception", "500 error"),
    "device": ("android", "iphone", "windows", "the web"),
    "feature": ("dark mode", "offline mode", "csv import", "calendar sync"),
    "wish": ("add", "have", "see"),
    "cost": ("cost", "price"),
    "discount": ("discount", "coupon", "promo"),
    "delete": ("delete", "erase", "remove"),
    "data": ("data", "personal information", "records"),
    "store": ("store", "keep", "retain"),
    "export": ("export", "copy", "download"),
}
# The cue slots of each intent: every in-scope message contains one of these words.
CUES: dict[str, tuple[str, ...]] = {
    "billing": ("charged", "billed", "invoice", "bill", "receipt", "refund", "reimbursement"),
    "shipping": ("parcel", "package", "shipment", "delivery", "shipping"),
    "login": (
        "log in",
        "login",
        "sign in",
        "password",
        "passcode",
        "locked",
        "blocked",
        "suspended",
        "code",
        "token",
    ),
    "cancel": ("cancel", "terminate", "end"),
    "bug_report": ("crashes", "freezes", "hangs", "error", "exception"),
    "feature_request": ("dark mode", "offline mode", "csv import", "calendar sync"),
    "pricing": ("cost", "price", "discount", "coupon", "promo"),
    "data_privacy": (
        "delete",
        "erase",
        "remove",
        "data",
        "personal information",
        "records",
        "store",
        "retain",
    ),
}
OUT_OF_SCOPE: tuple[str, ...] = (
    "what will the weather be like tomorrow",
    "give me a recipe for banana bread",
    "who won the football match yesterday",
    "how tall is mount everest",
    "tell me a joke about cats",
    "what is the capital of australia",
    "how many ounces are in a pound",
    "recommend a good novel to read",
    "what time is it in tokyo right now",
    "how do i make cold brew coffee",
    "translate good morning into italian",
    "what is the meaning of life",
    "how far away is the moon",
    "play some relaxing music",
    "when was the eiffel tower built",
    "suggest a name for my puppy",
)
OOS_PREFIXES = ("", "hey, ", "quick question: ", "hi, ")
FILLERS = ("please", "today", "thanks")

PLANTED = {
    "intents": tuple(TEMPLATES),
    "oos_label": OOS,
    "oos_fraction": 0.15,
    "near_duplicate_fraction": 0.03,
}


def generate(per_intent: int = 60, seed: int = 0) -> pl.DataFrame:
    """`per_intent` messages per intent + ~15% `oos` rows, shuffled; columns `text`, `intent`."""
    if per_intent < 1:
        raise ValueError("per_intent must be ≥ 1")
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, str]] = []
    for intent, templates in TEMPLATES.items():
        for _ in range(per_intent):
            template = templates[rng.integers(len(templates))]
            fill = {slot: values[rng.integers(len(values))] for slot, values in SLOTS.items()}
            rows.append((template.format(**fill), intent))
    n_dupes = round(PLANTED["near_duplicate_fraction"] * len(rows))
    for i in rng.choice(len(rows), size=n_dupes, replace=False):
        text, intent = rows[i]
        rows.append((f"{text} {FILLERS[rng.integers(len(FILLERS))]}", intent))
    n_oos = round(len(rows) * PLANTED["oos_fraction"] / (1 - PLANTED["oos_fraction"]))
    for _ in range(n_oos):
        base = OUT_OF_SCOPE[rng.integers(len(OUT_OF_SCOPE))]
        rows.append((f"{OOS_PREFIXES[rng.integers(len(OOS_PREFIXES))]}{base}", OOS))
    order = rng.permutation(len(rows))
    return pl.DataFrame({"text": [rows[i][0] for i in order], "intent": [rows[i][1] for i in order]})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate the support-ticket intents example data.")
    parser.add_argument("--per-intent", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--if-missing", action="store_true", help="do nothing when the file exists")
    args = parser.parse_args(argv)
    if args.if_missing and args.out.exists():
        return 0
    frame = generate(args.per_intent, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(args.out)
    print(f"wrote {frame.height} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
