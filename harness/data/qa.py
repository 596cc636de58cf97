"""QA data: the document corpus, the QA task, and its train/dev/test splits.

The corpus is a folder of `.md`/`.txt` files (id = file name without extension) or a CSV/Parquet/JSONL
table with an id and a text column. Every split carries it in `extra["corpus"]`, plus `extra["doc_ids"]`
(the gold document per question, when the spec names `answer_doc_column`). The test split also carries
`extra["unseen_doc"]`: questions whose gold document no training question points at (knowledge freshness).

QA pairs whose answer appears in no document (or not in their gold document) are *recorded*, not refused:
they are usually wrong teacher labels, and the audit reports them (`Splits.notes`,
`extra["unsupported_answers"]`). Only when no answer at all is found in the corpus is it an error — the
columns are then almost surely wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from harness.data.load import did_you_mean, list_columns, load_table
from harness.data.split import Splits, make_split
from harness.dataset import Split, Task
from harness.errors import InputError
from harness.text.passages import answer_in
from harness.types import TaskKind

if TYPE_CHECKING:
    from harness.spec import DecisionSpec

CORPUS_FILE_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class Corpus:
    """The documents a QA system answers from, in a stable order."""

    ids: tuple[str, ...]
    texts: tuple[str, ...]
    source: str = ""
    _position: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._position.update({doc_id: i for i, doc_id in enumerate(self.ids)})

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._position

    def text(self, doc_id: str) -> str:
        return self.texts[self._position[doc_id]]

    def position(self, doc_id: str) -> int:
        return self._position[doc_id]

    @property
    def size_bytes(self) -> int:
        return sum(len(t.encode("utf-8")) for t in self.texts)


# ---- corpus ----
def load_corpus(path: str | Path, *, id_column: str = "id", text_column: str = "text") -> Corpus:
    """Read a corpus folder or table; every problem is one `InputError` naming the file and the fix."""
    p = Path(path)
    where = str(p)
    if not p.exists():
        raise InputError(
            "corpus not found",
            where=where,
            fix="set data.corpus_path to a folder of .md/.txt files or a table",
        )
    if p.is_dir():
        return _corpus_from_folder(p)
    df = load_table(p)
    for key, column in (("corpus_id_column", id_column), ("corpus_text_column", text_column)):
        if column not in df.columns:
            raise InputError(
                f"corpus has no column {column!r}{did_you_mean(column, df.columns)}",
                where=where,
                fix=f"set data.{key} to one of: {list_columns(df.columns)}",
            )
    ids = [None if v is None else str(v) for v in df.get_column(id_column).to_list()]
    texts = df.get_column(text_column).cast(pl.String).to_list()
    checked_ids: list[str] = []
    for row, (doc_id, text) in enumerate(zip(ids, texts, strict=True)):
        if doc_id is None or not doc_id.strip():
            raise InputError(f"document at row {row} has no id", where=where, fix=f"fill {id_column!r}")
        if text is None or not text.strip():
            raise InputError(
                f"document {doc_id!r} (row {row}) has empty text",
                where=where,
                fix="fill it in or remove the row",
            )
        checked_ids.append(doc_id)
    return _checked_corpus(checked_ids, texts, where)


def _corpus_from_folder(folder: Path) -> Corpus:
    files = sorted(f for f in folder.rglob("*") if f.is_file() and f.suffix.lower() in CORPUS_FILE_SUFFIXES)
    if not files:
        raise InputError(
            "corpus folder has no .md or .txt files", where=str(folder), fix="put one document per file in it"
        )
    ids, texts = [], []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("document is not UTF-8 text", where=str(f), fix="re-save it as UTF-8") from None
        if not text.strip():
            raise InputError("document is empty", where=str(f), fix="write its text or delete the file")
        ids.append(str(f.relative_to(folder).with_suffix("")))
        texts.append(text)
    return _checked_corpus(ids, texts, str(folder))


def _checked_corpus(ids: list[str], texts: list[str], where: str) -> Corpus:
    seen: set[str] = set()
    for doc_id in ids:
        if doc_id in seen:
            raise InputError(
                f"document id {doc_id!r} occurs twice", where=where, fix="give every document its own id"
            )
        seen.add(doc_id)
    return Corpus(tuple(ids), tuple(texts), source=where)


def corpus_for(spec: DecisionSpec) -> Corpus:
    if not spec.data.corpus_path:
        raise InputError("a QA task needs a corpus", where="[data] corpus_path", fix="set data.corpus_path")
    return load_corpus(
        spec.resolve(spec.data.corpus_path),
        id_column=spec.data.corpus_id_column,
        text_column=spec.data.corpus_text_column,
    )


# ---- task ----
def build_qa_task(df: pl.DataFrame, spec: DecisionSpec) -> Task:
    """The QA task: the question column in, the answer column out. Refuses empty questions or answers."""
    data = spec.data
    if not data.question_column or not data.answer_column:
        raise InputError(
            "a QA task needs the question and answer columns",
            where="[data]",
            fix="set data.question_column and data.answer_column",
        )
    keys = {"question_column": data.question_column, "answer_column": data.answer_column}
    if data.answer_doc_column:
        keys["answer_doc_column"] = data.answer_doc_column
    for key, column in keys.items():
        if column not in df.columns:
            raise InputError(
                f"data.{key} names {column!r}, which is not a column{did_you_mean(column, df.columns)}",
                where=str(spec.data_path()),
                fix=f"use one of: {list_columns(df.columns)}",
            )
        values = df.get_column(column).cast(pl.String)
        empty = values.is_null() | (values.str.strip_chars() == "")
        if empty.any():
            row = int(empty.arg_true()[0])
            raise InputError(
                f"{column!r} is empty in {int(empty.sum()):,} row(s), first at row {row}",
                where=str(spec.data_path()),
                fix=f"fill {column!r} in every row or remove those rows",
            )
    return Task(
        kind=TaskKind.QA,
        target=data.answer_column,
        feature_columns=(data.question_column,),
        text_columns=(data.question_column,),
    )


def load_qa(spec: DecisionSpec) -> tuple[pl.DataFrame, Task, Splits]:
    """Load the QA table and corpus named by the spec, build the task and split it."""
    df = load_table(spec.data_path(), drop_columns=spec.audit.drop_columns)
    task = build_qa_task(df, spec)
    return df, task, make_qa_splits(df, task, spec)


# ---- answer support ----
def unsupported_answers(answers: list[str], doc_ids: list[str] | None, corpus: Corpus) -> np.ndarray:
    """Row indices whose answer is not in its gold document (or, without gold ids, in no document)."""
    if doc_ids is not None:
        bad = [
            i
            for i, (a, d) in enumerate(zip(answers, doc_ids, strict=True))
            if not answer_in(a, corpus.text(d))
        ]
        return np.asarray(bad, dtype=np.int64)
    from harness.text.passages import normalize_answer

    joined = " " + " | ".join(normalize_answer(t) for t in corpus.texts) + " "
    return np.asarray(
        [i for i, a in enumerate(answers) if f" {normalize_answer(a)} " not in joined], dtype=np.int64
    )


# ---- splits ----
def resolve_qa_strategy(spec: DecisionSpec) -> str:
    """'group' | 'time' | 'random' ('stratified' has no meaning for free-text answers)."""
    data = spec.data
    strategy = data.split
    if strategy == "auto":
        return "group" if data.group_column else "time" if data.time_column else "random"
    if strategy == "stratified":
        raise InputError(
            "split = 'stratified' needs class labels; QA answers are free text",
            where="[data] split",
            fix="use 'random', 'group' (e.g. by document) or 'time'",
        )
    for needed, column in (("group", data.group_column), ("time", data.time_column)):
        if strategy == needed and not column:
            raise InputError(
                f"split = '{needed}' needs data.{needed}_column",
                where="[data] split",
                fix=f"set data.{needed}_column",
            )
    return strategy


def make_qa_splits(df: pl.DataFrame, task: Task, spec: DecisionSpec, corpus: Corpus | None = None) -> Splits:
    """Train/dev/test splits of the QA pairs, each carrying the corpus; group/time splits keep a document's
    (or a period's) questions in one split, so the test split asks about documents training never saw."""
    data = spec.data
    corpus = corpus if corpus is not None else corpus_for(spec)
    n = df.height
    n_test, n_dev = max(1, round(n * data.test_fraction)), max(1, round(n * data.dev_fraction))
    if n - n_test - n_dev < 2:
        raise InputError(
            f"{n:,} QA pairs are too few for train/dev/test splits", where="[data]", fix="add QA pairs"
        )
    answers = df.get_column(task.target).cast(pl.String).to_list()
    doc_ids = _gold_doc_ids(df, spec, corpus)

    unsupported = unsupported_answers(answers, doc_ids, corpus)
    notes: list[str] = []
    if len(unsupported) == n:
        where_found = "their gold document" if doc_ids is not None else "any document"
        raise InputError(
            f"no answer of {n:,} QA pairs appears in {where_found} of the corpus {corpus.source}",
            where=f"[data] answer_column = {task.target!r}",
            fix="check data.answer_column, data.answer_doc_column and data.corpus_path",
        )
    if len(unsupported):
        notes.append(
            f"{len(unsupported):,} QA pair(s) have an answer found in no supporting document "
            f"(wrong labels or missing documents), e.g. row {int(unsupported[0])}"
        )

    strategy = resolve_qa_strategy(spec)
    train_idx, dev_idx, test_idx = _split_indices(df, strategy, n_test, n_dev, spec)
    cap = spec.constraints.labelled_examples
    if cap is not None and cap < len(train_idx):
        train_idx = np.sort(np.random.default_rng(spec.seed + 2).choice(train_idx, size=cap, replace=False))
        notes.append(f"training capped at constraints.labelled_examples = {cap:,} QA pairs")

    splits = {
        name: _make_split(name, df, task, spec, idx, answers, doc_ids, corpus, unsupported)
        for name, idx in (("train", train_idx), ("dev", dev_idx), ("test", test_idx))
    }
    if doc_ids is not None:
        seen = set(splits["train"].extra["doc_ids"].tolist())
        unseen = np.asarray([d not in seen for d in splits["test"].extra["doc_ids"]], dtype=bool)
        splits["test"].extra["unseen_doc"] = unseen
        notes.append(
            f"{int(unseen.sum()):,} of {len(unseen):,} test questions ask about documents no training "
            "question points at"
        )
    notes.insert(
        0,
        f"{strategy} split (seed {spec.seed}): train {len(train_idx):,} / dev {len(dev_idx):,} / "
        f"test {len(test_idx):,} QA pairs; corpus {len(corpus):,} documents",
    )
    return Splits(
        train=splits["train"], dev=splits["dev"], test=splits["test"], strategy=strategy, notes=notes
    )


def _gold_doc_ids(df: pl.DataFrame, spec: DecisionSpec, corpus: Corpus) -> list[str] | None:
    column = spec.data.answer_doc_column
    if not column:
        return None
    ids = [str(v) for v in df.get_column(column).to_list()]
    missing = [d for d in dict.fromkeys(ids) if d not in corpus]
    if missing:
        raise InputError(
            f"{len(missing):,} gold document id(s) in {column!r} are not in the corpus, e.g. {missing[0]!r}",
            where=f"[data] answer_doc_column = {column!r}",
            fix=f"add those documents to {corpus.source} or correct the ids (corpus ids look like "
            f"{corpus.ids[0]!r})",
        )
    return ids


def _split_indices(
    df: pl.DataFrame, strategy: str, n_test: int, n_dev: int, spec: DecisionSpec
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n, seed, data = df.height, spec.seed, spec.data
    index = np.arange(n)
    if strategy == "time":
        times = _column(df, data.time_column, "time_column")
        order = np.argsort(times, kind="stable")
        return (
            np.sort(order[: n - n_test - n_dev]),
            np.sort(order[n - n_test - n_dev : n - n_test]),
            np.sort(order[n - n_test :]),
        )
    if strategy == "group":
        groups = _column(df, data.group_column, "group_column")
        if len(np.unique(groups)) < 3:
            raise InputError(
                "group split needs at least 3 groups", where="[data] group_column", fix="use split = 'random'"
            )
        rest, test = next(
            GroupShuffleSplit(1, test_size=data.test_fraction, random_state=seed).split(index, groups=groups)
        )
        share = data.dev_fraction / (1 - data.test_fraction)
        keep, dev = next(
            GroupShuffleSplit(1, test_size=share, random_state=seed + 1).split(rest, groups=groups[rest])
        )
        return np.sort(rest[keep]), np.sort(rest[dev]), np.sort(test)
    rest, test = train_test_split(index, test_size=n_test, random_state=seed)
    train, dev = train_test_split(rest, test_size=n_dev, random_state=seed + 1)
    return np.sort(train), np.sort(dev), np.sort(test)


def _column(df: pl.DataFrame, name: str | None, key: str) -> np.ndarray:
    assert name is not None
    if name not in df.columns:
        raise InputError(
            f"data.{key} names {name!r}, which is not a column{did_you_mean(name, df.columns)}",
            where=f"[data] {key}",
            fix=f"use one of: {list_columns(df.columns)}",
        )
    col = df.get_column(name)
    if col.null_count():
        raise InputError(
            f"{key} {name!r} is missing in {col.null_count():,} rows",
            where=f"[data] {key}",
            fix=f"fill {name!r} in every row",
        )
    return np.asarray(col.cast(pl.String).to_list() if col.dtype == pl.String else col.to_numpy())


def _make_split(
    name: str,
    df: pl.DataFrame,
    task: Task,
    spec: DecisionSpec,
    idx: np.ndarray,
    answers: list[str],
    doc_ids: list[str] | None,
    corpus: Corpus,
    unsupported: np.ndarray,
) -> Split:
    split = make_split(name, df, np.asarray(answers, dtype=object), task, spec, idx)
    split.extra["corpus"] = corpus
    if doc_ids is not None:
        split.extra["doc_ids"] = np.asarray([doc_ids[i] for i in idx], dtype=object)
    split.extra["unsupported_answers"] = np.flatnonzero(np.isin(idx, unsupported))  # positions in this split
    return split
