"""The targets of the held-out figures and how a split's report is read against them. Pure."""

from __future__ import annotations

from typing import Literal

from curator.classify.types import SplitReport

#: Targets; the card and ``curator eval`` say plainly whether each is met. A figure is met at or
#: above its target, except those in :data:`AT_MOST` (met at or below).
TARGETS: dict[str, float] = {
    "relevance ROC-AUC": 0.97,
    "recall at threshold": 0.95,
    "card recall": 0.95,
    "card FPR": 0.12,
    "card+digest recall": 0.99,
    "sector macro-F1": 0.95,
    "category macro-F1": 0.85,  # issue 14 (was 0.80 before it)
}
AT_MOST = frozenset({"card FPR"})


def meets(name: str, value: float) -> bool:
    """Pure: whether ``value`` meets the target of figure ``name``."""
    target = TARGETS[name]
    return value <= target if name in AT_MOST else value >= target


def target_text(name: str) -> str:
    """``>= 0.95`` or ``<= 0.12``: the target of figure ``name`` as text."""
    return ("<= " if name in AT_MOST else ">= ") + f"{TARGETS[name]:g}"


def headline(split: SplitReport) -> dict[str, float | None]:
    """The target figures of the model on one split (``None`` where not computed)."""
    model_rel = split["relevance"]["model"]
    lanes = split.get("lanes")

    def lane(key: Literal["card_recall", "card_fpr", "card_digest_recall"]) -> float | None:
        return lanes[key]["value"] if lanes is not None else None

    return {
        "relevance ROC-AUC": model_rel["roc_auc"]["value"],
        "recall at threshold": model_rel["recall"]["value"],
        "card recall": lane("card_recall"),
        "card FPR": lane("card_fpr"),
        "card+digest recall": lane("card_digest_recall"),
        "sector macro-F1": split["sector"]["model"]["macro_f1"]["value"],
        "category macro-F1": split["category"]["model"]["macro_f1"]["value"],
    }
