"""Questions to and from JSON-friendly dicts, for ``BankQuestion.data`` (pure Python).

``from_data(to_data(q)) == q`` for every question of ``training.quizzes.questions``:
nested answers and matching pairs become lists of plain dicts and come back as the
same frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from training.quizzes.questions import (
    QUESTION_CLASSES,
    Answer,
    MatchPair,
    NumericalAnswer,
    Question,
)

__all__ = ["StorageError", "from_data", "to_data"]


class StorageError(ValueError):
    """Stored question data that cannot be turned back into a question."""


def _item(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def to_data(question: Question) -> dict[str, Any]:
    """Return *question* as a dict of JSON values (``qtype`` included)."""
    data: dict[str, Any] = {"qtype": question.qtype}
    for f in fields(question):
        value = getattr(question, f.name)
        if isinstance(value, tuple):
            value = [_item(item) for item in value]
        data[f.name] = value
    return data


def _nested_class(qtype: str, name: str) -> type:
    if name == "pairs":
        return MatchPair
    return NumericalAnswer if qtype == "numerical" else Answer


def from_data(data: Mapping[str, Any]) -> Question:
    """Return the question that :func:`to_data` turned into *data*."""
    values = dict(data)
    qtype = values.pop("qtype", None)
    cls = QUESTION_CLASSES.get(qtype)  # type: ignore[arg-type]
    if cls is None:
        raise StorageError(f"unknown question type {qtype!r}")
    for name in ("answers", "pairs"):
        if name in values:
            item_cls = _nested_class(qtype, name)
            values[name] = tuple(item_cls(**dict(item)) for item in values[name])
    try:
        return cls(**values)
    except TypeError as error:
        raise StorageError(f"stored {qtype} question is not valid: {error}") from None
