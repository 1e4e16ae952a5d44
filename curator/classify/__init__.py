"""The classifier: is a publication worth the editors' attention, which sector, which category.

The poll pipeline and the Slack rooms use only what is exported here::

    from curator.classify import ClassifyInput, load_classifier

    classifier = load_classifier()  # models/ by default; ModelError if missing or incompatible
    [prediction] = classifier.predict([ClassifyInput(title="Research and analysis: ...")])

Types live in ``types``; training in ``fit``, ``select`` and ``trainer``; saving and loading in
``persist``; evaluation and the model card in ``evaluate`` and ``card``; all are driven by
``curator train`` / ``curator eval`` / ``curator classify``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from curator.classify.types import ClassifyInput

if TYPE_CHECKING:
    from curator.classify.classifier import Classifier


def load_classifier(model_dir: Path | None = None) -> Classifier:
    """Load the current model from ``model_dir`` (default: the ``CURATOR_MODEL_DIR`` setting).

    Raises :class:`curator.errors.ModelError` when the model is missing, corrupt, or was written
    by an incompatible version (the message says to run ``curator train``).
    """
    from curator.classify.persist import load

    if model_dir is None:
        from curator.config import get_settings

        model_dir = get_settings().model_dir
    return load(model_dir)


def load_classifier_or_warning(
    model_dir: Path | None, warning: str
) -> tuple[Classifier | None, str | None]:
    """:func:`load_classifier`, or no classifier and why, for a caller that goes on without one:
    ``warning`` is a :meth:`str.format` template over ``{error}`` (the
    :class:`curator.errors.ModelError`). Nothing is logged here: the caller says it once, where
    its user reads it (a command's ``warning:`` line, the daemon's log, a Slack reply)."""
    from curator.errors import ModelError

    try:
        return load_classifier(model_dir), None
    except ModelError as exc:
        return None, warning.format(error=exc)


def __getattr__(name: str) -> object:
    # ``from curator.classify import Classifier`` without importing the model code eagerly.
    if name == "Classifier":
        from curator.classify.classifier import Classifier

        return Classifier
    raise AttributeError(name)


__all__ = ["Classifier", "ClassifyInput", "load_classifier", "load_classifier_or_warning"]
