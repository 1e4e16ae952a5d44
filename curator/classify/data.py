"""Training rows: the labelled JSONL files in ``data/training/`` and the editors' decisions.

The JSONL contract (one object a line; README "Classifier")::

    {"title": "...", "publisher": "...", "summary": "...", "url": "https://..." | null,
     "document_type": "Research and analysis" | null, "sector_hint": null,
     "relevant": true, "sector": "children_young_people" | null,
     "category": "reports" | "briefings" | "tools_guidance" | null,
     "label_source": "editor" | "hand-judged" | "hand-judged (collected)",
     "published": "2024-06" | "2024-06-03" | null, "origin": "where the row came from"}

Editors' decisions stored by the bot (``items.status`` accepted / rejected) are read from the
database and weighted above every file row (``WEIGHTS``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from curator.classify.types import ClassifyInput, titled_object
from curator.errors import ConfigError
from curator.records import CATEGORIES, SECTORS

if TYPE_CHECKING:
    from curator.store.handles import Engine
    from curator.store.training import DecidedItem

#: Sample weight by label source: the editors' own decisions count most.
WEIGHTS: dict[str, float] = {
    "editor decision": 3.0,
    "editor relabel": 3.0,  # an accepted item whose sector or category an editor corrected
    "editor": 2.0,
    "hand-judged": 1.0,
    "hand-judged (collected)": 1.0,
}


@dataclass(frozen=True)
class TrainingRow:
    title: str
    publisher: str
    summary: str
    url: str | None
    document_type: str | None
    sector_hint: str | None
    relevant: bool
    sector: str | None
    category: str | None
    label_source: str
    published: str | None
    origin: str

    @property
    def weight(self) -> float:
        return WEIGHTS.get(self.label_source, 1.0)

    def as_input(self) -> ClassifyInput:
        return ClassifyInput(
            title=self.title,
            publisher=self.publisher,
            summary=self.summary,
            url=self.url or "",
            document_type=self.document_type,
            sector_hint=self.sector_hint,
        )


def _opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value or None
    raise ConfigError(f"{where}: {key!r} must be a string or null, not {type(value).__name__}")


def parse_row(obj: object, where: str) -> TrainingRow:
    """Validate one JSONL object; errors name the file and line (``where``)."""
    obj, title = titled_object(obj, where, ConfigError)
    relevant = obj.get("relevant")
    if not isinstance(relevant, bool):
        raise ConfigError(f"{where}: 'relevant' must be true or false")
    sector = _opt_str(obj, "sector", where)
    category = _opt_str(obj, "category", where)
    if relevant and sector not in SECTORS:
        raise ConfigError(
            f"{where}: a relevant row needs 'sector', one of {', '.join(SECTORS)}; got {sector!r}"
        )
    if category is not None and category not in CATEGORIES:
        raise ConfigError(
            f"{where}: 'category' must be null or one of {', '.join(CATEGORIES)}; got {category!r}"
        )
    label_source = _opt_str(obj, "label_source", where)
    if not label_source:
        raise ConfigError(f"{where}: 'label_source' is required (who judged this row?)")
    return TrainingRow(
        title=title.strip(),
        publisher=_opt_str(obj, "publisher", where) or "",
        summary=_opt_str(obj, "summary", where) or "",
        url=_opt_str(obj, "url", where),
        document_type=_opt_str(obj, "document_type", where),
        sector_hint=_opt_str(obj, "sector_hint", where),
        relevant=relevant,
        sector=sector if relevant else None,
        category=category if relevant else None,
        label_source=label_source,
        published=_opt_str(obj, "published", where),
        origin=_opt_str(obj, "origin", where) or where,
    )


def load_files(training_dir: Path) -> list[TrainingRow]:
    """Every row of every ``*.jsonl`` file in ``training_dir``, in file-name order."""
    if not training_dir.is_dir():
        raise ConfigError(f"training data directory {training_dir} does not exist")
    rows: list[TrainingRow] = []
    for path in sorted(training_dir.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{n}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"{where}: not valid JSON ({exc.msg})") from exc
            rows.append(parse_row(obj, where))
    if not rows:
        raise ConfigError(f"no training rows in {training_dir}/*.jsonl")
    return rows


#: How many editors' decisions ``curator train`` and the nightly retrain learn from: the
#: newest (by their latest decision); older decisions are dropped, not down-weighted, so the
#: training time stays bounded however long the bot has run (about 20 months of decisions at
#: today's rate; see README "Classifier").
DECISION_WINDOW = 20_000


@dataclass(frozen=True)
class Decisions:
    """The editors' decisions read as training rows, and how many the database holds."""

    rows: list[TrainingRow]
    in_database: int
    limit: int | None

    def window(self) -> dict[str, Any]:
        """What the model card and sidecar say about the window (``"window"``)."""
        return {
            "decision_limit": self.limit,
            "decisions_in_database": self.in_database,
            "decisions_used": len(self.rows),
            "older_decisions": "dropped",
        }


def load_decisions(database_url: str, limit: int | None = DECISION_WINDOW) -> list[TrainingRow]:
    """Items the editors accepted (relevant, with their sector/category) or rejected: the newest
    ``limit``. A SQLite file that does not exist yet means "no decisions": nothing is created."""
    return read_decisions(database_url, limit).rows


def read_decisions(database_url: str, limit: int | None = DECISION_WINDOW) -> Decisions:
    from curator.store.training import decided_items_at

    found, total = decided_items_at(database_url, limit=limit)
    return Decisions(_as_rows(found), total, limit)


def decisions_from_engine(engine: Engine, limit: int | None = DECISION_WINDOW) -> Decisions:
    """The editors' decisions as training rows (``items.status`` accepted / rejected)."""
    from curator.store.training import decided_items

    found, total = decided_items(engine, limit=limit)
    return Decisions(_as_rows(found), total, limit)


def _as_rows(found: Sequence[DecidedItem]) -> list[TrainingRow]:
    rows: list[TrainingRow] = []
    for r in found:
        accepted = r.status == "accepted"
        sector = r.sector if accepted and r.sector in SECTORS else None
        if accepted and sector is None:
            continue  # accepted without a sector: nothing to learn the sector head from
        when = r.published_at or r.first_seen_at
        rows.append(
            TrainingRow(
                title=r.title,
                publisher=r.publisher,
                summary=r.summary,
                url=r.url,
                document_type=r.document_type,
                sector_hint=None,
                relevant=accepted,
                sector=sector,
                category=r.category if accepted and r.category in CATEGORIES else None,
                label_source="editor relabel" if accepted and r.relabelled else "editor decision",
                published=when.date().isoformat() if when else None,
                origin=f"database items.id={r.item_id} ({r.status}"
                + (", relabelled)" if accepted and r.relabelled else ")"),
            )
        )
    return rows


def data_hash(rows: Sequence[TrainingRow]) -> str:
    """A stable hash of the training rows (part of the model version)."""
    h = hashlib.sha256()
    for row in rows:
        h.update(json.dumps(asdict(row), sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def counts(rows: Iterable[TrainingRow]) -> dict[str, dict[str, int]]:
    """Row counts by label and by label source, for the model card."""
    out: dict[str, dict[str, int]] = {"label": {}, "source": {}, "sector": {}, "category": {}}

    def bump(table: str, key: str) -> None:
        out[table][key] = out[table].get(key, 0) + 1

    for row in rows:
        bump("label", "relevant" if row.relevant else "not relevant")
        bump("source", f"{row.label_source} / {'relevant' if row.relevant else 'not relevant'}")
        if row.relevant:
            bump("sector", row.sector or "none")
            bump("category", row.category or "none")
    return out
