"""What would change the decision (harness.evidence.flips): every flip is found by re-running `decide` with
the one change, and the example value it reports really gives the other choice."""

from __future__ import annotations

from harness.decide import decide
from harness.evidence.flips import find_flips
from harness.spec import DecisionSpec
from harness.types import Family, Hardware, Interpretability, SkillLevel
from tests.test_decide import m, prior, spec


def _again(ms: list, s: DecisionSpec, driver: str, value: object) -> str | None:
    if driver.startswith("team_skills."):
        skill = driver.split(".", 1)[1]
        changed = s.model_copy(update={"team_skills": {**s.team_skills, skill: SkillLevel(value)}})
    else:
        enum = {"interpretability": Interpretability, "hardware": Hardware}.get(driver)
        value = enum(value) if enum else value
        changed = s.model_copy(update={"constraints": s.constraints.model_copy(update={driver: value})})
    return decide(ms, changed, metric="pr_auc").recommended


def test_a_latency_budget_below_the_winner_flips_to_the_fast_model_and_the_example_value_does() -> None:
    ms = [
        m("mlp", 0.80, (0.76, 0.84), family=Family.NEURAL, p99_ms=40.0, skills=("pytorch",)),
        m("xgboost", 0.60, (0.55, 0.65), p99_ms=2.0, skills=("xgboost",)),
        prior(),
    ]
    s = spec({"latency_p99_ms": 100})
    d = decide(ms, s, metric="pr_auc")
    assert d.recommended == "mlp"
    flips = {f.driver: f for f in find_flips(ms, s, "pr_auc", d)}
    lat = flips["latency_p99_ms"]
    assert lat.chooses == "xgboost" and lat.condition.startswith("below 40")
    assert 2.0 < lat.value < 40.0  # inside the range that gives xgboost, not on its edge
    assert _again(ms, s, "latency_p99_ms", lat.value) == "xgboost"
    assert _again(ms, s, "latency_p99_ms", 41.0) == "mlp"  # just above the breakpoint: no flip


def test_a_tie_decided_by_skill_flips_when_the_team_knows_the_other_framework() -> None:
    ms = [
        m("lightgbm", 0.73, (0.68, 0.77), skills=("lightgbm",)),
        m("xgboost", 0.72, (0.67, 0.76), skills=("xgboost",)),
        prior(),
    ]
    s = spec(team_skills={"xgboost": "expert", "lightgbm": "proficient"})
    d = decide(ms, s, metric="pr_auc")
    assert d.recommended == "xgboost"
    skill = [f for f in find_flips(ms, s, "pr_auc", d) if f.kind == "skill"]
    assert skill, "a tie broken by team skill must name the skill that would flip it"
    for f in skill:
        assert _again(ms, s, f.driver, f.value) == f.chooses != "xgboost"


def test_no_flip_when_nothing_constrains_a_clear_winner() -> None:
    ms = [m("xgboost", 0.80, (0.76, 0.84), skills=("xgboost",)), prior()]
    s = spec()
    d = decide(ms, s, metric="pr_auc")
    flips = find_flips(ms, s, "pr_auc", d)
    # only limits the winner itself fails can change it: then the baseline, or nothing, is left
    assert flips and all(f.chooses in ("prior", None) for f in flips)
    assert {f.driver for f in flips} >= {"latency_p99_ms", "interpretability"}
    for f in flips:
        assert _again(ms, s, f.driver, f.value) == f.chooses
