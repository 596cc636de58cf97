"""The candidate registry: name → where the class lives and which family it is.

Lazy on purpose: entries are "module:ClassName" strings, so importing the registry (or listing names and
families) never imports torch, xgboost or the text stack; a class is imported only when `create` needs it.
Adding a family = one file + one line in `_REGISTRY`, or a plugin outside this package: an entry point in the
group `archbench.candidates` (`name = "package.module:ClassName"`), or, for development and tests, the
environment variable `ARCHBENCH_CANDIDATES="name=package.module:ClassName,…"` (inherited by worker processes).
A plugin's family is read from its class.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.errors import InputError
from harness.types import KNOWN_SKILLS, Family

if TYPE_CHECKING:
    from harness.candidates.base import BaseCandidate
    from harness.dataset import Task
    from harness.spec import DecisionSpec


@dataclass(frozen=True)
class Entry:
    target: str  # "package.module:ClassName"
    family: Family
    about: str | None = None  # what the candidate is, where its family's description would mislead


_REGISTRY: dict[str, Entry] = {
    "zero-rule": Entry("harness.candidates.baselines:ZeroRule", Family.BASELINE),
    "single-feature-rule": Entry("harness.candidates.baselines:SingleFeatureRule", Family.BASELINE),
    "linear": Entry("harness.candidates.linear:LinearCandidate", Family.LINEAR),
    "random-forest": Entry("harness.candidates.forest:RandomForestCandidate", Family.FOREST),
    "xgboost": Entry("harness.candidates.gbt:XGBoostCandidate", Family.GBT),
    "lightgbm": Entry("harness.candidates.gbt:LightGBMCandidate", Family.GBT),
    "torch-mlp": Entry("harness.candidates.neural:TorchMLPCandidate", Family.NEURAL),
    # text classification (text columns)
    "tfidf-logreg": Entry("harness.candidates.text_lexical:TfidfLogReg", Family.BASELINE),
    "lightgbm-text": Entry("harness.candidates.text_gbt:LightGBMText", Family.GBT),
    "mlp-embeddings": Entry("harness.candidates.text_neural:EmbeddingMLP", Family.NEURAL),
    "knn-faiss": Entry(
        "harness.candidates.knn_retrieval:KnnRetrieval",
        Family.RAG,
        "k-nearest-neighbour retrieval: the labels of the most similar training texts (FAISS, embeddings)",
    ),
    "finetune-minilm": Entry("harness.candidates.finetune_classifier:FineTunedClassifier", Family.FINETUNE),
    "zero-shot-similarity": Entry(
        "harness.candidates.zero_shot:ZeroShotSimilarity",
        Family.PROMPT,
        "zero-shot: similarity of the text's embedding to each label's name, no training on the labels",
    ),
    # knowledge QA over a corpus
    "bm25": Entry("harness.candidates.bm25:BM25Candidate", Family.BASELINE),
    "rag-faiss": Entry("harness.candidates.rag:RAGCandidate", Family.RAG),
    "rag-generate": Entry("harness.candidates.rag:RAGGenerateCandidate", Family.RAG),
    "finetune-biencoder": Entry(
        "harness.candidates.finetune_biencoder:FineTunedBiEncoderCandidate", Family.FINETUNE
    ),
    "prompt-only": Entry("harness.candidates.prompt_only:PromptOnlyCandidate", Family.PROMPT),
    "lora-generator": Entry("harness.candidates.lora:LoRACandidate", Family.FINETUNE),
}


PLUGIN_GROUP = "archbench.candidates"
PLUGIN_ENV = "ARCHBENCH_CANDIDATES"
_plugin_cache: dict[str, dict[str, Entry]] = {}


def _plugins() -> dict[str, Entry]:
    """Candidates registered from outside: entry points, then the environment variable (cached per value)."""
    env = os.environ.get(PLUGIN_ENV, "")
    if env in _plugin_cache:
        return _plugin_cache[env]
    from importlib.metadata import entry_points

    found = [(ep.name, ep.value) for ep in entry_points(group=PLUGIN_GROUP)]
    found += [tuple(item.split("=", 1)) for item in env.split(",") if "=" in item]  # type: ignore[misc]
    entries: dict[str, Entry] = {}
    for name, target in found:
        name, target = name.strip(), target.strip()
        if name in _REGISTRY:
            raise InputError(
                f"plugin candidate {name!r} has the name of a built-in candidate",
                where=f"{PLUGIN_GROUP} / {PLUGIN_ENV}",
                fix="rename the plugin",
            )
        module_name, _, class_name = target.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise InputError(
                f"plugin candidate {name!r}: cannot import {target!r} ({exc})",
                where=f"{PLUGIN_GROUP} / {PLUGIN_ENV}",
                fix="install the plugin's package or correct the module:Class path",
            ) from None
        entries[name] = Entry(target, Family(cls.family))
    _plugin_cache[env] = entries
    return entries


def _registry() -> dict[str, Entry]:
    return {**_REGISTRY, **_plugins()}


def known_skills() -> tuple[str, ...]:
    """Every framework a team can state a level in: the built-in families' (`harness.types.KNOWN_SKILLS`)
    and those a plugin family declares on its class, so a plugin needs no edit of archbench to be judged on
    its team's skills."""
    skills = list(KNOWN_SKILLS)
    for name in _plugins():
        skills += [s for s in candidate_class(name).skills if s not in skills]
    return tuple(skills)


def available() -> list[str]:
    """Every registered candidate name, in registry order (baselines first, plugins last)."""
    return list(_registry())


def family_of(name: str) -> Family:
    return _entry(name).family


def about(name: str) -> str | None:
    """A candidate's own description, when its family's would mislead (None: unknown name or none set)."""
    entry = _registry().get(name)
    return entry.about if entry else None


def candidate_class(name: str) -> type[BaseCandidate]:
    """Import and return the class registered under `name`."""
    module_name, _, class_name = _entry(name).target.partition(":")
    cls: type[BaseCandidate] = getattr(importlib.import_module(module_name), class_name)
    return cls


def create(
    name: str, *, seed: int, spec: DecisionSpec | None = None, params: dict[str, Any] | None = None
) -> BaseCandidate:
    """A fresh, unfitted candidate: its default hyper-parameters overridden by `params` (a tuned
    configuration). Candidates that read the spec's `[models]` (encoder / generator paths, device) provide a
    `from_spec` classmethod, used given a spec."""
    cls = candidate_class(name)
    from_spec = getattr(cls, "from_spec", None)
    if spec is not None and from_spec is not None:
        candidate: BaseCandidate = from_spec(spec, seed=seed, **(params or {}))
        return candidate
    return cls(seed=seed, **(params or {}))


def resolve_names(names: list[str], *, where: str) -> list[str]:
    """Expand candidate and family names (e.g. "gbt") to candidate names; unknown ones are an InputError."""
    families = {f.value for f in Family}
    chosen: list[str] = []
    for item in names:
        if item in _registry():
            matches = [item]
        elif item in families:
            matches = [n for n, e in _registry().items() if e.family.value == item]
        else:
            raise InputError(
                f"unknown candidate or family {item!r}",
                where=where,
                fix=f"use a candidate ({', '.join(_registry())}) or a family ({', '.join(sorted(families))})",
            )
        chosen += [m for m in matches if m not in chosen]
    return chosen


def select(spec: DecisionSpec, task: Task) -> list[BaseCandidate]:
    """The candidates a run trains: `[candidates] include` (empty = all) minus `exclude`, those applicable to
    the task, created with the spec's seed, in registry order."""
    return select_with_skipped(spec, task)[0]


def select_with_skipped(
    spec: DecisionSpec, task: Task
) -> tuple[list[BaseCandidate], list[tuple[BaseCandidate, str]]]:
    """`select`, plus the selected-but-inapplicable candidates that have a reason worth recording
    (`skip_reason`, e.g. "needs a local generator model") so the ADR shows those families were considered."""
    include = resolve_names(spec.candidates.include, where="candidates.include") or available()
    exclude = set(resolve_names(spec.candidates.exclude, where="candidates.exclude"))
    # baselines are the reference every claim is measured against: always run unless explicitly excluded
    include = [
        *include,
        *(n for n, e in _registry().items() if e.family is Family.BASELINE and n not in include),
    ]
    names = [n for n in available() if n in include and n not in exclude]
    candidates = [create(n, seed=spec.seed, spec=spec) for n in names]
    runnable = [c for c in candidates if c.applicable(task)]
    skipped = [(c, reason) for c in candidates if not c.applicable(task) and (reason := c.skip_reason(task))]
    return runnable, skipped


def _entry(name: str) -> Entry:
    try:
        return _registry()[name]
    except KeyError:
        raise InputError(
            f"unknown candidate {name!r}",
            where="candidates",
            fix=f"use one of: {', '.join(_registry())}",
        ) from None
