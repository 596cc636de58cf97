"""Reading a spec: from a dict, TOML text or a `decision.toml` (`load_spec`, the first problem as one
`InputError`), and `check_spec` (every problem at once: keys, candidate names, the data file's columns)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import InputError
from harness.spec.errors import as_input_error, as_input_errors
from harness.spec.model import DecisionSpec


def spec_from_dict(raw: dict[str, Any], *, where: str = "spec") -> DecisionSpec:
    try:
        return DecisionSpec.model_validate(raw)
    except ValidationError as exc:
        raise as_input_error(exc, where) from None


def spec_from_toml(text: str, *, where: str = "spec", source: Path | None = None) -> DecisionSpec:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(
            f"malformed TOML ({exc})", where=where, fix="correct the TOML syntax at that line"
        ) from None
    spec = spec_from_dict(raw, where=where)
    spec._source = source
    return spec


# Files a data path names (harness.data.load reads these): passed where a spec is expected, they get a hint.
DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json")


def load_spec(path: str | Path) -> DecisionSpec:
    """Read and validate a `decision.toml`; any problem is one `InputError` line. Candidate and family names
    in `[candidates]` are checked here too, before any data is read. `check_spec` reports every problem."""
    p = Path(path)
    spec = spec_from_toml(_read_spec_text(p), where=str(p), source=p.resolve())
    check_candidate_names(spec, where=str(p))
    return spec


def _read_spec_text(p: Path) -> str:
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except OSError as exc:  # e.g. permission denied on a parent folder, a name too long
        raise InputError(
            f"cannot read spec ({exc.strerror or type(exc).__name__})",
            where=str(p),
            fix="check the path and its permissions",
        ) from None
    if not exists:
        raise InputError(
            "spec file not found", where=str(p), fix="pass the path of an existing decision.toml"
        )
    if is_dir:
        raise InputError("is a folder, not a spec file", where=str(p), fix="pass the decision.toml inside it")
    if p.suffix.lower() in DATA_SUFFIXES:
        raise InputError(
            "is a data file, not a spec",
            where=str(p),
            fix=f"harness init {p} writes a starter decision.toml; then pass decision.toml instead",
        )
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("spec is not UTF-8 text", where=str(p), fix="save the spec as UTF-8 TOML") from None
    except OSError as exc:
        raise InputError(
            f"cannot read spec ({exc.strerror})", where=str(p), fix="check the path and its permissions"
        ) from None


def check_spec(path: str | Path, *, data: bool = True) -> tuple[DecisionSpec | None, list[InputError]]:
    """Every problem with a spec at once (what `harness check` prints), not only the first: each invalid key
    (pydantic reports them all), each unknown candidate name, and with `data`, the data file's existence and
    the target among its columns (only the header is read). Returns (the spec or None, the problems)."""
    p = Path(path)
    where = str(p)
    try:
        text = _read_spec_text(p)
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [
            InputError(f"malformed TOML ({exc})", where=where, fix="correct the TOML syntax at that line")
        ]
    except InputError as exc:
        return None, [exc]
    spec: DecisionSpec | None = None
    try:
        spec = DecisionSpec.model_validate(raw)
        spec._source = p.resolve()
    except ValidationError as exc:
        errors = as_input_errors(exc, where)
    else:
        errors = []
    chosen = raw.get("candidates")
    if not isinstance(chosen, dict):
        chosen = {}
    for key in ("include", "exclude"):
        names = chosen.get(key)
        for name in names if isinstance(names, list) else []:
            try:
                _check_candidate_name(key, str(name), where)
            except InputError as exc:
                errors.append(exc)
    if data:
        errors += _data_errors(raw, p)
    return (spec if not errors else None), errors


def _data_errors(raw: dict[str, Any], spec_path: Path) -> list[InputError]:
    """The data file exists and the target (and id/group/time columns) are among its columns. Read from the
    raw TOML, so a spec with other errors is still checked here."""
    section = raw.get("data")
    if not isinstance(section, dict) or not isinstance(section.get("path"), str) or not section["path"]:
        return []
    from harness.data.load import did_you_mean, list_columns, read_columns

    where = f"{spec_path}: [data] path"
    data_path = Path(section["path"]).expanduser()
    if not data_path.is_absolute():
        data_path = spec_path.resolve().parent / data_path
    try:
        columns = read_columns(data_path)
    except InputError as exc:
        return [InputError(exc.problem, where=f"{where} = {section['path']}", fix=exc.fix)]
    errors = []
    for key in ("target", "id_column", "group_column", "time_column"):
        name = section.get(key)
        if isinstance(name, str) and name not in columns:
            errors.append(
                InputError(
                    f"data.{key} {name!r} is not a column of {data_path.name}{did_you_mean(name, columns)}",
                    where=str(spec_path),
                    fix=f"use one of: {list_columns(columns)}",
                )
            )
    return errors


def check_candidate_names(spec: DecisionSpec, *, where: str = "spec") -> None:
    """Every name in `[candidates] include` / `exclude` is a registered candidate or a family."""
    for key in ("include", "exclude"):
        for name in getattr(spec.candidates, key):
            _check_candidate_name(key, name, where)


def _check_candidate_name(key: str, name: str, where: str) -> None:
    import difflib

    from harness.candidates import registry
    from harness.types import Family

    try:
        registry.resolve_names([name], where=where)
    except InputError as exc:
        known = [*registry.available(), *(f.value for f in Family)]
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"invalid value for 'candidates.{key}': {exc.problem}{hint}", where=where, fix=exc.fix
        ) from None
