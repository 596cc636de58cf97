"""The Pareto plot: the front is the set no other candidate beats on both latency and quality."""

from __future__ import annotations

from tui.widgets.pareto import PlotPoint, draw, pareto_front

POINTS = [
    PlotPoint("fast-weak", 0.01, 0.60),
    PlotPoint("dominated", 5.0, 0.70),  # slower and worse than "balanced"
    PlotPoint("balanced", 1.0, 0.85),
    PlotPoint("slow-strong", 30.0, 0.90),
    PlotPoint("also-dominated", 30.0, 0.89),
]


def test_front_keeps_only_undominated_points() -> None:
    assert pareto_front(POINTS) == {0, 2, 3}


def test_front_respects_lower_is_better_metrics() -> None:
    # rmse: lower is better, so "fast-weak" (0.60) is now the best and dominates everything slower
    assert pareto_front(POINTS, greater_is_better=False) == {0}


def test_draw_fits_the_canvas_and_lists_every_candidate() -> None:
    text = draw(POINTS, 60, 18, y_label="ROC-AUC")
    lines = text.plain.split("\n")
    assert len(lines) <= 18
    assert max(len(line) for line in lines) <= 60
    assert "(log)" in text.plain  # 0.01 → 30 ms spans > 20×
    for i, p in enumerate(POINTS):
        assert f"{chr(ord('A') + i)} {p.name}" in text.plain


def test_draw_without_points_says_so() -> None:
    assert "no candidate" in draw([], 40, 10).plain
