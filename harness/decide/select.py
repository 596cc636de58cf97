"""The selection: gates, ranking, paired comparisons, tie-breaks and the baseline check, as a structured
outcome (`Selection`) with no sentences in it; harness.decide.explain turns it into the Decision's words."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from harness.decide.compare import Comparer, ci_beats, equivalence_margin
from harness.decide.gating import gate_risks, gate_violations
from harness.decide.ties import TieBreak, break_tie, tie_breaks
from harness.measure.catalog import METRICS, MetricInfo
from harness.results import Measurement
from harness.spec import DecisionSpec
from harness.types import Family


@dataclass
class Selection:
    """What the decision rests on, every step's outcome kept for the explanation."""

    metric: str
    info: MetricInfo
    alpha: float
    unfinished: list[Measurement]  # skipped, failed, or without the optimizing metric
    finished: list[Measurement]
    violations: dict[str, list[str]]
    risks: dict[str, list[str]]
    survivors: list[Measurement]  # pass the gates, best first
    rejected: list[Measurement]  # break a gate, best first
    best_baseline: Measurement | None  # the best baseline passing the gates (else the best of all)
    models: list[Measurement] = field(default_factory=list)  # survivors that are not baselines
    leader: Measurement | None = None  # the best-scoring survivor
    margin: float = 0.0  # the equivalence margin
    cmp: Comparer | None = None
    p_best: dict[str, float] = field(default_factory=dict)
    tied: list[Measurement] = field(default_factory=list)  # survivors tied with the leader
    tied_models: list[Measurement] = field(default_factory=list)  # the models the tie-breaks chose among
    chosen: Measurement | None = None
    rule: TieBreak | None = None  # the tie-break that left the chosen alone
    lost_on: dict[str, TieBreak] = field(default_factory=dict)  # loser → the rule that eliminated it
    justified: bool = False  # the chosen model beats the best baseline
    strongest_model: Measurement | None = None  # the best-scoring model
    kept_baseline: bool = False  # no model earned its complexity: the best baseline is kept

    @property
    def gib(self) -> bool:
        return self.info.greater_is_better

    @property
    def rank(self) -> dict[str, int]:
        return {m.candidate: i + 1 for i, m in enumerate(self.survivors)}

    def beats_baseline(self, m: Measurement) -> bool:
        return (
            self.best_baseline is not None
            and self.cmp is not None
            and self.cmp.differs(m, self.best_baseline)
        )


def select(
    measurements: Sequence[Measurement], spec: DecisionSpec, *, metric: str, alpha: float
) -> Selection:
    info = METRICS[metric]
    gib = info.greater_is_better

    def better_first(ms: list[Measurement]) -> list[Measurement]:
        # the name breaks exact ties so the result never depends on the order measurements arrive in
        return sorted(
            ms, key=lambda m: (-m.metrics[metric].value if gib else m.metrics[metric].value, m.candidate)
        )

    unfinished = [m for m in measurements if m.status == "skipped" or not m.ok or metric not in m.metrics]
    finished = [m for m in measurements if m not in unfinished]
    violations = {m.candidate: gate_violations(m, spec) for m in finished}
    risks = {m.candidate: gate_risks(m, spec) for m in finished}
    baselines_all = better_first([m for m in finished if m.family is Family.BASELINE])
    # the reference is the best baseline that passes the gates (else the best of all baselines)
    baseline_pool = [m for m in baselines_all if not violations[m.candidate]] or baselines_all
    sel = Selection(
        metric=metric,
        info=info,
        alpha=alpha,
        unfinished=unfinished,
        finished=finished,
        violations=violations,
        risks=risks,
        survivors=better_first([m for m in finished if not violations[m.candidate]]),
        rejected=better_first([m for m in finished if violations[m.candidate]]),
        best_baseline=baseline_pool[0] if baseline_pool else None,
    )
    if not sel.survivors:
        return sel
    _compare(sel, spec)
    _choose(sel, spec)
    return sel


def _compare(sel: Selection, spec: DecisionSpec) -> None:
    """Every survivor against the leader, every model against the best baseline, tested together."""
    survivors, best_baseline, metric = sel.survivors, sel.best_baseline, sel.metric
    sel.models = [m for m in survivors if m.family is not Family.BASELINE]
    leader = sel.leader = survivors[0]
    sel.margin = equivalence_margin(spec, metric, leader.metrics[metric].value)
    cmp = sel.cmp = Comparer(survivors, metric, sel.gib, sel.alpha, sel.margin)
    cmp.against(leader, survivors, "leader")
    if best_baseline is not None and best_baseline in survivors:
        cmp.against(best_baseline, sel.models, "baseline")
    cmp.resolve()
    if best_baseline is not None and best_baseline not in survivors:  # it fails the gates: CIs only
        for m in sel.models:
            cmp.set_significant(
                m,
                best_baseline,
                ci_beats(m.metrics[metric], best_baseline.metrics[metric], greater_is_better=sel.gib),
            )
    from harness.measure.paired import probability_best

    sel.p_best = probability_best(
        {m.candidate: m.metrics[metric] for m in survivors}, greater_is_better=sel.gib
    )
    sel.tied = [m for m in survivors if cmp.tied(m, leader)]


def _choose(sel: Selection, spec: DecisionSpec) -> None:
    """Break the tie among the models tied with the leader; keep the best baseline when no model beats it."""
    tied_models = [m for m in sel.tied if m.family is not Family.BASELINE]
    if sel.best_baseline is not None:
        # a tie-break must not hand the choice to a model failing the baseline check while another passes it
        tied_models = [m for m in tied_models if sel.beats_baseline(m)] or tied_models
    sel.tied_models = tied_models
    if not sel.models:  # only baselines pass the gates
        sel.chosen = sel.survivors[0]
    elif tied_models:
        sel.chosen, sel.rule, sel.lost_on = break_tie(tied_models, tie_breaks(spec, sel.metric, sel.info))
    else:  # a baseline leads and no model is tied with it
        sel.chosen = sel.models[0]
    chosen = sel.chosen
    sel.justified = chosen.family is not Family.BASELINE and sel.beats_baseline(chosen)
    sel.strongest_model = sel.models[0] if sel.models else None
    if not sel.justified and chosen.family is not Family.BASELINE and sel.best_baseline in sel.survivors:
        # No model earns its complexity: keep the best baseline (it passes the gates) and name the model
        # that came closest, so the team knows what would have to improve.
        sel.chosen, sel.kept_baseline = sel.best_baseline, True
        sel.rule, sel.lost_on = None, {}
