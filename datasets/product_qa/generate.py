"""Seeded generator of a product-knowledge QA set with planted truths.

A catalog of SKUs with exact facts (price, weight, dimensions, warranty, material, colour, compatible models,
power), one Markdown document per SKU, and question/answer pairs written in paraphrases. Planted on purpose:

* **fresh SKUs** — the newest ~12% of the catalog is listed after the training cut-off; every question about
  them is asked after it, so a time split (`split = "time"` on `asked_on`) puts all of them in the test split
  and no training pair mentions them (knowledge freshness: a closed-book fine-tune cannot know them, RAG can);
* **near-duplicate pairs** — ~18% of the pairs re-ask an earlier pair's fact in other words;
* **wrong teacher answers** — a few training answers contradict the document (and appear in no document);
* **hard negatives** — products share nouns and series letters, so retrieval must use the name, not the type.

Standalone on purpose (no package import): `python datasets/product_qa/generate.py --out DIR`.
`PLANTED` holds the planted truths for the default size and seed; `generate()` returns them for any size.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

DEFAULT_N_SKUS = 150
DEFAULT_SEED = 0
FRESH_SHARE = 0.12  # of SKUs listed after the cut-off
NEAR_DUPLICATE_SHARE = 0.18  # of all QA pairs
N_WRONG_TEACHER = 6
CUTOFF = dt.date(2025, 6, 1)

_ADJECTIVES = [
    "Aurora",
    "Boreal",
    "Cobalt",
    "Dune",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Iris",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Onyx",
    "Pinnacle",
    "Quartz",
    "Ridge",
    "Sierra",
    "Tundra",
    "Umber",
    "Vesper",
    "Willow",
    "Zephyr",
]
_PRODUCTS = {
    "kettle": ("Kettle", "an electric kettle for the kitchen"),
    "blender": ("Blender", "a countertop blender"),
    "lamp": ("Desk Lamp", "an adjustable LED desk lamp"),
    "speaker": ("Speaker", "a portable wireless speaker"),
    "drill": ("Drill", "a cordless power drill"),
    "backpack": ("Backpack", "a weather-proof hiking backpack"),
    "router": ("Router", "a dual-band Wi-Fi router"),
    "heater": ("Heater", "a compact space heater"),
}
_MATERIALS = [
    "stainless steel",
    "anodized aluminium",
    "ABS plastic",
    "borosilicate glass",
    "recycled nylon",
    "bamboo",
    "cast iron",
    "polycarbonate",
]
_COLOURS = [
    "matte black",
    "arctic white",
    "sage green",
    "slate grey",
    "ocean blue",
    "copper",
    "sand beige",
    "red",
]

FIELDS = ("price", "weight", "dimensions", "warranty", "material", "colour", "compatible", "power")
_LABELS = {
    "price": "Price",
    "weight": "Weight",
    "dimensions": "Dimensions",
    "warranty": "Warranty",
    "material": "Material",
    "colour": "Colour",
    "compatible": "Compatible with",
    "power": "Power",
}
# Paraphrase templates per field; {name} is the product name (sometimes with its SKU code).
TEMPLATES: dict[str, list[str]] = {
    "price": [
        "What is the price of the {name}?",
        "How much does the {name} cost?",
        "How much is the {name}?",
        "What do I pay for the {name}?",
    ],
    "weight": [
        "How much does the {name} weigh?",
        "What is the weight of the {name}?",
        "How heavy is the {name}?",
    ],
    "dimensions": [
        "What are the dimensions of the {name}?",
        "How big is the {name}?",
        "What size is the {name}?",
    ],
    "warranty": [
        "What warranty does the {name} have?",
        "How long is the warranty on the {name}?",
        "For how long is the {name} guaranteed?",
    ],
    "material": [
        "What is the {name} made of?",
        "Which material is the {name} made from?",
        "What material does the {name} use?",
    ],
    "colour": [
        "What colour is the {name}?",
        "Which colour does the {name} come in?",
        "What is the finish colour of the {name}?",
    ],
    "compatible": [
        "Which models is the {name} compatible with?",
        "What does the {name} work with?",
        "Which accessories fit the {name}?",
    ],
    "power": [
        "What is the power rating of the {name}?",
        "How many watts does the {name} draw?",
        "How much power does the {name} use?",
    ],
}


def _catalog(n_skus: int, rng: random.Random) -> list[dict[str, Any]]:
    names: set[str] = set()
    skus: list[dict[str, Any]] = []
    n_fresh = max(1, round(n_skus * FRESH_SHARE))
    for i in range(n_skus):
        kind = rng.choice(sorted(_PRODUCTS))
        noun, blurb = _PRODUCTS[kind]
        while True:  # unique names; shared nouns and series letters make hard negatives
            model = f"{noun[0]}{rng.randint(1, 9)}{rng.choice('0257')}"
            name = f"{rng.choice(_ADJECTIVES)} {noun} {model}"
            if name not in names:
                names.add(name)
                break
        fresh = i >= n_skus - n_fresh
        listed = (
            CUTOFF + dt.timedelta(days=rng.randint(1, 60))
            if fresh
            else CUTOFF - dt.timedelta(days=rng.randint(90, 900))
        )
        series = noun[0]
        facts = {
            "price": f"${rng.randint(12, 480)}.{rng.choice(['99', '49', '95', '00'])}",
            "weight": f"{rng.randint(2, 95) / 10:.1f} kg",
            "dimensions": f"{rng.randint(10, 60)} x {rng.randint(8, 40)} x {rng.randint(4, 30)} cm",
            "warranty": f"{rng.choice([1, 2, 3, 5])} years",
            "material": rng.choice(_MATERIALS),
            "colour": rng.choice(_COLOURS),
            "compatible": ", ".join(sorted({f"{series}-{rng.randint(1, 9)}00" for _ in range(2)})),
            "power": f"{rng.choice([5, 10, 15, 40, 60, 300, 800, 1200, 1500, 2000])} W",
        }
        skus.append(
            {
                "sku": f"SKU-{1001 + i}",
                "name": name,
                "kind": kind,
                "blurb": blurb,
                "facts": facts,
                "listed_on": listed,
                "fresh": fresh,
            }
        )
    return skus


def document(sku: dict[str, Any]) -> str:
    """One Markdown document per SKU: a title, one sentence, and a fact line per field."""
    lines = [f"# {sku['name']} ({sku['sku']})", "", f"The {sku['name']} is {sku['blurb']}.", ""]
    lines += [f"- {_LABELS[f]}: {sku['facts'][f]}" for f in FIELDS]
    return "\n".join(lines) + "\n"


def _wrong_value(field: str, true: str, rng: random.Random, corpus_text: str) -> str:
    """A plausible but wrong answer that appears in no document."""
    for _ in range(1000):
        if field == "price":
            value = f"${rng.randint(500, 999)}.{rng.choice(['19', '39', '79'])}"
        elif field == "weight":
            value = f"{rng.randint(100, 199) / 10:.1f} kg"
        elif field == "warranty":
            value = f"{rng.choice([7, 10, 15])} years"
        else:
            value = f"{rng.randint(2100, 2999)} W"
        if value != true and value not in corpus_text:
            return value
    raise RuntimeError("could not draw a wrong value")  # pragma: no cover


def _date_in(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def build(n_skus: int = DEFAULT_N_SKUS, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """The catalog, documents, QA rows and planted truths, in memory (deterministic for (n_skus, seed))."""
    if n_skus < 10:
        raise ValueError("n_skus must be at least 10")
    rng = random.Random(seed)
    skus = _catalog(n_skus, rng)
    docs = {s["sku"]: document(s) for s in skus}
    corpus_text = "\n".join(docs.values())

    rows: list[dict[str, Any]] = []
    near_duplicates: list[dict[str, str]] = []
    # base pairs: five facts per SKU; a near-duplicate re-asks the same fact in another paraphrase
    p_dup = NEAR_DUPLICATE_SHARE / (1 - NEAR_DUPLICATE_SHARE)
    for s in skus:
        for field in rng.sample(FIELDS, 5):
            templates = rng.sample(TEMPLATES[field], 2)
            name = s["name"] if rng.random() < 0.75 else f"{s['name']} ({s['sku']})"
            when = (
                _date_in(rng, s["listed_on"] + dt.timedelta(days=1), CUTOFF + dt.timedelta(days=90))
                if s["fresh"]
                else _date_in(rng, s["listed_on"], CUTOFF - dt.timedelta(days=1))
            )
            base = {
                "question": templates[0].format(name=name),
                "answer": s["facts"][field],
                "sku": s["sku"],
                "field": field,
                "asked_on": when,
            }
            rows.append(base)
            if rng.random() < p_dup:
                dup = dict(base, question=templates[1].format(name=s["name"]))
                dup["asked_on"] = min(when + dt.timedelta(days=rng.randint(0, 20)), _last_day(s))
                rows.append(dup)
                near_duplicates.append({"question": dup["question"], "of": base["question"]})

    rows.sort(key=lambda r: (r["asked_on"], r["sku"], r["field"], r["question"]))
    for i, r in enumerate(rows):
        r["qa_id"] = f"Q{i + 1:05d}"
    by_question = {r["question"]: r["qa_id"] for r in rows}
    dup_ids = [{"qa_id": by_question[d["question"]], "of": by_question[d["of"]]} for d in near_duplicates]

    # wrong teacher answers: among the oldest pairs (they land in training), numeric fields only
    wrong: list[dict[str, str]] = []
    pool = [r for r in rows[: len(rows) // 2] if r["field"] in ("price", "weight", "warranty", "power")]
    for r in rng.sample(pool, min(N_WRONG_TEACHER, len(pool))):
        given = _wrong_value(r["field"], r["answer"], rng, corpus_text)
        wrong.append(
            {"qa_id": r["qa_id"], "sku": r["sku"], "field": r["field"], "given": given, "true": r["answer"]}
        )
        r["answer"] = given
    wrong.sort(key=lambda w: w["qa_id"])

    fresh = [s["sku"] for s in skus if s["fresh"]]
    planted = {
        "seed": seed,
        "n_skus": n_skus,
        "n_pairs": len(rows),
        "cutoff": CUTOFF.isoformat(),
        "fresh_skus": fresh,
        "fresh_qa_ids": [r["qa_id"] for r in rows if r["sku"] in set(fresh)],
        "wrong_teacher_answers": wrong,
        "near_duplicates": dup_ids,
        "near_duplicate_share": round(len(dup_ids) / len(rows), 4),
    }
    return {"skus": skus, "docs": docs, "rows": rows, "planted": planted}


def _last_day(sku: dict[str, Any]) -> dt.date:
    return CUTOFF + dt.timedelta(days=90) if sku["fresh"] else CUTOFF - dt.timedelta(days=1)


QA_COLUMNS = ("qa_id", "question", "answer", "sku", "field", "asked_on")


def generate(out_dir: str | Path, n_skus: int = DEFAULT_N_SKUS, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Write `qa.csv`, `corpus/<SKU>.md` and `planted.json` under `out_dir`; return the planted truths."""
    data = build(n_skus, seed)
    out = Path(out_dir)
    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("*.md"):
        old.unlink()
    for sku, text in data["docs"].items():
        (corpus / f"{sku}.md").write_text(text, encoding="utf-8")
    with (out / "qa.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=QA_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for r in data["rows"]:
            writer.writerow({**r, "asked_on": r["asked_on"].isoformat()})
    (out / "planted.json").write_text(json.dumps(data["planted"], indent=2) + "\n", encoding="utf-8")
    return data["planted"]


PLANTED: dict[str, Any] = build()["planted"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "data"), help="output folder")
    parser.add_argument("--n-skus", type=int, default=DEFAULT_N_SKUS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    planted = generate(args.out, args.n_skus, args.seed)
    print(
        f"wrote {planted['n_pairs']} QA pairs about {planted['n_skus']} SKUs to {args.out} "
        f"({len(planted['fresh_skus'])} fresh SKUs, {len(planted['wrong_teacher_answers'])} wrong teacher "
        f"answers, near-duplicate share {planted['near_duplicate_share']:.0%})"
    )


if __name__ == "__main__":
    main()
