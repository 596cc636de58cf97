"""Small vocabulary shared by every step (kinds of task, families, skill levels).

Kept free of heavy imports so that `import harness` stays fast and textual-free.
"""

from __future__ import annotations

from enum import StrEnum


class TaskKind(StrEnum):
    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"
    QA = "qa"

    @property
    def is_classification(self) -> bool:
        return self in (TaskKind.BINARY, TaskKind.MULTICLASS)


class Family(StrEnum):
    BASELINE = "baseline"
    LINEAR = "linear"
    FOREST = "forest"
    GBT = "gbt"
    NEURAL = "neural"
    RAG = "rag"
    FINETUNE = "finetune"
    PROMPT = "prompt"


class SkillLevel(StrEnum):
    NONE = "none"
    BASIC = "basic"
    PROFICIENT = "proficient"
    EXPERT = "expert"

    @property
    def score(self) -> int:
        return ["none", "basic", "proficient", "expert"].index(self.value)


class Hardware(StrEnum):
    CPU = "cpu"
    GPU = "gpu"


class Privacy(StrEnum):
    """Where data may go at inference time."""

    EXTERNAL_API_ALLOWED = "external_api_allowed"
    NO_EXTERNAL_API = "no_external_api"


class Interpretability(StrEnum):
    NONE = "none"
    PREFERRED = "preferred"
    REQUIRED = "required"


# Frameworks a team can state its skill in; candidates name the ones they need.
KNOWN_SKILLS: tuple[str, ...] = (
    "sklearn",
    "xgboost",
    "lightgbm",
    "pytorch",
    "transformers",
    "sentence_transformers",
    "faiss",
    "llm_prompting",
)
