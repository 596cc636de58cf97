"""Constraints: a form for every spec field. pydantic (via `harness.spec_file.draft_status`) is the single
judge; its one-line `InputError` is shown under the field it names, Textual validators catch non-numbers as
you type. Any error blocks Run. An essential key still missing (data file, target, title) is not an error
but the next step, which the app shows in its header."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.validation import Integer, Number, Validator
from textual.widgets import Input, Label, Select, Static

from harness.spec import DecisionSpec
from harness.spec_file import draft_status
from tui.form import (
    FIELDS,
    FIELDS_BY_KEY,
    NEW_SPEC,
    FormValues,
    changed_keys,
    dict_from_values,
    field_for_error,
    values_from_dict,
)


class SpecChanged(Message):
    """The form now describes `spec` (None while invalid or incomplete). `error` says what is wrong and
    `field` which form field it is about (None: the spec as a whole); `missing` lists the essential keys
    still to fill in, in the order to fill them."""

    def __init__(
        self,
        spec: DecisionSpec | None,
        error: str | None,
        *,
        field: str | None = None,
        missing: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.spec = spec
        self.error = error
        self.field = field
        self.missing = missing


def read_spec_dict(path: Path) -> tuple[dict[str, Any], str | None]:
    """The raw TOML of a spec file (even an invalid one, so the form can show and fix it), or an error."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")), None
    except FileNotFoundError:
        return dict(NEW_SPEC), f"{path}: no such file yet — fill in the form and save (ctrl+s) to create it"
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return dict(NEW_SPEC), f"{path}: cannot read the spec ({exc})"


class ConstraintsView(VerticalScroll):
    """The spec form. `spec`/`error` always describe what is on screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        ("ctrl+s", "app.save_spec", "Save"),
        ("ctrl+o", "app.load_spec", "Load"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.base: dict[str, Any] = dict(NEW_SPEC)
        self.spec_path: Path | None = None
        self.spec: DecisionSpec | None = None
        self.error: str | None = None
        self.missing: tuple[str, ...] = ()
        self._type_errors: dict[str, str] = {}
        self._loading = False
        self._revalidate_pending = False
        self._shown_errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field"):
            yield Label("Spec file", classes="field-label")
            yield Input(placeholder="decision.toml (ctrl+o load, ctrl+s save)", id="spec-path", compact=True)
        yield Static("", id="form-error", classes="field-error")
        section = None
        for field in FIELDS:
            if field.section != section:
                section = field.section
                yield Label(section, classes="section")
            with Horizontal(classes="field"):
                yield Label(field.label, classes="field-label")
                if field.kind in ("choice", "bool"):
                    yield Select(
                        [(c, c) for c in field.choices],
                        prompt=field.placeholder or "unset",
                        id=field.widget_id,
                        compact=True,
                        tooltip=field.help or None,
                    )
                else:
                    kinds: dict[str, list[Validator]] = {"float": [Number()], "int": [Integer()]}
                    validators = kinds.get(field.kind, [])
                    yield Input(
                        placeholder=field.placeholder,
                        validators=validators,
                        id=field.widget_id,
                        compact=True,
                        tooltip=field.help or None,
                    )
            yield Static("", id=field.error_id, classes="field-error")

    # ---- values ------------------------------------------------------------------------------------------
    def form_values(self) -> FormValues:
        values: FormValues = {}
        for field in FIELDS:
            if field.kind in ("choice", "bool"):
                chosen = self.query_one(f"#{field.widget_id}", Select).value
                values[field.key] = None if chosen is Select.NULL else str(chosen)
            else:
                values[field.key] = self.query_one(f"#{field.widget_id}", Input).value
        return values

    def set_values(self, values: FormValues) -> None:
        self._loading = True
        try:
            for field in FIELDS:
                value = values.get(field.key)
                if field.kind in ("choice", "bool"):
                    select = self.query_one(f"#{field.widget_id}", Select)
                    select.value = value if value in field.choices else Select.NULL
                else:
                    self.query_one(f"#{field.widget_id}", Input).value = value or ""
        finally:
            self._loading = False
        self._type_errors.clear()
        for field in FIELDS:
            if field.kind in ("float", "int"):
                widget = self.query_one(f"#{field.widget_id}", Input)
                result = widget.validate(widget.value) if widget.value.strip() else None
                if result is not None and not result.is_valid:
                    self._type_errors[field.key] = "; ".join(result.failure_descriptions)
        self.revalidate()

    def load_dict(self, raw: dict[str, Any], path: Path | None) -> None:
        self.base = raw
        self.spec_path = path
        self.query_one("#spec-path", Input).value = str(path) if path else ""
        self.set_values(values_from_dict(raw))

    def changes(self) -> dict[str, Any]:
        """What the user changed since the spec was loaded or saved, by dotted key (None: removed)."""
        return changed_keys(self.form_values(), self.base)

    def set_field(self, key: str, text: str) -> None:
        """Set one field from elsewhere (the Data view's file picker)."""
        self.query_one(f"#{FIELDS_BY_KEY[key].widget_id}", Input).value = text

    # ---- validation --------------------------------------------------------------------------------------
    def revalidate(self) -> None:
        """Coalesce: the many Changed messages of a load (~35 fields) cause one validation, not 35."""
        if not self._revalidate_pending:
            self._revalidate_pending = True
            self.call_later(self._validate_now)

    def _validate_now(self) -> None:
        self._revalidate_pending = False
        raw = dict_from_values(self.form_values(), self.base)
        error_field: str | None = None
        error: str | None = None
        spec, missing, problem = draft_status(raw, where="form")
        if spec is not None:
            path = self.spec_path_value()
            if path is not None:
                spec._source = path.resolve()
        if problem is not None:
            error = problem.problem + (f" — fix: {problem.fix}" if problem.fix else "")
            error_field = field_for_error(problem)
        for field in FIELDS:
            message = self._type_errors.get(field.key) or (error if field.key == error_field else "")
            self._show_error(field.key, message or "")
        self._show_error("", error if error and error_field is None else "")
        if self._type_errors and error is None:
            error_field, message = next(iter(self._type_errors.items()))
            error = f"{FIELDS_BY_KEY[error_field].label}: {message}"
            spec = None
        self.spec, self.error, self.missing = spec, error, tuple(missing)
        self.post_message(SpecChanged(spec, error, field=error_field, missing=self.missing))

    def _show_error(self, key: str, message: str) -> None:
        """Touch a field's widgets only when its message changes (restyling 35 fields is slow)."""
        if self._shown_errors.get(key, "") == message:
            return
        self._shown_errors[key] = message
        if not key:
            label = self.query_one("#form-error", Static)
        else:
            field = FIELDS_BY_KEY[key]
            label = self.query_one(f"#{field.error_id}", Static)
            self.query_one(f"#{field.widget_id}").set_class(bool(message), "-invalid-field")
        label.update(message)
        label.display = bool(message)

    def spec_path_value(self) -> Path | None:
        text = self.query_one("#spec-path", Input).value.strip()
        return Path(text).expanduser() if text else None

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        if self._loading or event.input.id == "spec-path":
            if event.input.id == "spec-path" and not self._loading:
                self.revalidate()  # relative data paths resolve against the spec file
            return
        key = next((f.key for f in FIELDS if f.widget_id == event.input.id), None)
        if key is None:
            return
        result = event.validation_result
        if result is not None and not result.is_valid and event.value.strip():
            self._type_errors[key] = "; ".join(result.failure_descriptions)
        else:
            self._type_errors.pop(key, None)
        self.revalidate()

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if not self._loading:
            self.revalidate()
