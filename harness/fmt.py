"""Formatting shared by the ADR, the decision package and the gates: numbers as every table prints them,
Markdown-safe cells and code, machine-independent paths, metric labels."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from typing_extensions import TypeIs

from harness.measure.catalog import METRICS
from harness.results import Measurement

DASH = "—"  # shown for a number that was not measured


# ---- numbers -----------------------------------------------------------------------------------


def missing(value: float | None) -> TypeIs[None]:  # NaN counts as missing too; callers print a dash
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def fmt_metric(value: float | None) -> str:
    """Quality metrics: 3 decimals, thousands separators (an RMSE can be large)."""
    return DASH if missing(value) else f"{value:,.3f}"


def fmt_ms(value: float | None) -> str:
    return DASH if missing(value) else f"{value:,.2f}"


def fmt_int(value: float | None) -> str:
    return DASH if missing(value) else f"{round(value):,}"


def fmt_sig(value: float | None, digits: int = 3) -> str:
    """Significant digits without exponent notation (0.0000123 stays readable); separators when large."""
    if missing(value):
        return DASH
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = min(max(digits - 1 - magnitude, 0), 10)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_usd(value: float | None) -> str:
    """A price for prose: 0.012, 0.00034; below a millionth of a dollar, "< 0.000001" — more digits than
    that are noise on a bill (the exact figure stays in the record and the evidence table)."""
    if missing(value):
        return DASH
    if 0 < value < 1e-6:
        return "< 0.000001"
    return fmt_sig(value, 2)


def fmt_budget(value: float | None) -> str:
    """A limit the team typed (20 ms, 0.01 USD): as short as it was written."""
    if missing(value):
        return DASH
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def cost_cell(value: float | None) -> str:
    """Cost in a table cell: scientific notation below a millionth (3.4e-08), else significant digits."""
    if missing(value):
        return DASH
    return f"{value:.2g}" if 0 < value < 1e-6 else fmt_sig(value, 2)


def fmt_mb(size_bytes: int | None) -> str:
    if size_bytes is None:
        return DASH
    mb = size_bytes / 1e6
    return "< 0.001" if 0 < mb < 0.001 else fmt_sig(mb) if mb < 100 else f"{mb:,.0f}"


def fmt_days(days: int, *, every: bool = False) -> str:
    """`3 days`, `1 day`; with `every`, the words after "every": `3 days`, `day`."""
    if every and days == 1:
        return "day"
    return f"{fmt_int(days)} day{'' if days == 1 else 's'}"


def fmt_seconds(value: float | None) -> str:
    if missing(value):
        return DASH
    if 0 < value < 0.01:
        return "< 0.01"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def pct(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else DASH


def cell(text: Any) -> str:
    """Safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def short(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def portable(text: str) -> str:
    """A path or command for a shared document: absolute paths under the working directory become relative,
    other absolute paths keep only their name (`…/0001-x.md`); no machine layout leaks."""
    import shlex

    cwd = Path.cwd()

    def one(token: str) -> str:
        if not token.startswith("/"):
            return token
        p = Path(token)
        try:
            return str(p.relative_to(cwd)) or "."
        except ValueError:
            return "…/" + p.name if p.name else token

    try:
        tokens = shlex.split(text)
    except ValueError:
        return one(text)
    return shlex.join(one(t) for t in tokens) if len(tokens) > 1 else one(text)


def code(text: str) -> str:
    """Inline code that survives backticks in the text."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def fence(text: str) -> str:
    """A code fence longer than any backtick run in `text` (CommonMark), so the block cannot end early."""
    return "`" * max(3, max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)


# ---- metrics ----------------------------------------------------------------------------------------


def metric_label(name: str) -> str:
    info = METRICS.get(name)
    return info.label.split(" (")[0] if info else name


def greater_is_better(name: str, m: Measurement | None = None) -> bool:
    if m is not None and name in m.metrics:
        return m.metrics[name].greater_is_better
    info = METRICS.get(name)
    return info.greater_is_better if info else True


def metric_with_ci(m: Measurement, name: str, *, ci_label: str = "") -> str:
    mv = m.metrics.get(name)
    if mv is None:
        return DASH
    text = fmt_metric(mv.value)
    if not missing(mv.ci_low) and not missing(mv.ci_high):
        text += f" ({ci_label}{fmt_metric(mv.ci_low)}–{fmt_metric(mv.ci_high)})"
    return text
