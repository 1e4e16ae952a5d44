"""Reading items to classify from JSONL and writing their predictions, for ``curator classify
--in … --out …``: one line in, one line out, bad lines named and skipped."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from curator.classify import ClassifyInput

#: Fields added to each output line of ``curator classify --in … --out …``.
OUTPUT_FIELDS = (
    "relevant",
    "relevance",
    "sector",
    "sector_confidence",
    "category",
    "category_confidence",
    "uncertain",
)
#: What each lane means, for ``curator classify TITLE``.
LANE_MEANS = {
    "card": "posted to the editors as a card",
    "digest": "listed in the day's roll-up",
    "quiet": "stored and searchable, never posted",
}
_OPTIONAL_INPUT = ("publisher", "summary", "url", "document_type", "sector_hint")
_BATCH = 2000


def input_from(obj: object, where: str) -> ClassifyInput:
    """Validate one input object; ``ValueError`` names what is wrong."""
    from curator.classify.types import ClassifyInput, titled_object

    obj, title = titled_object(obj, where, ValueError)
    fields: dict[str, Any] = {}
    for key in _OPTIONAL_INPUT:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{where}: {key!r} must be a string, not {type(value).__name__}")
        if value is not None:
            fields[key] = value
    return ClassifyInput(
        title=title,
        publisher=fields.get("publisher", ""),
        summary=fields.get("summary", ""),
        url=fields.get("url", ""),
        document_type=fields.get("document_type") or None,
        sector_hint=fields.get("sector_hint") or None,
    )


@contextmanager
def _open_out(path: str) -> Iterator[IO[str]]:
    if path == "-":
        yield sys.stdout
        return
    with open(path, "w", encoding="utf-8") as fh:
        yield fh


def _read_lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    try:
        with open(path, encoding="utf-8") as fh:
            yield from fh
    except FileNotFoundError as exc:
        raise click.BadParameter(f"{path} does not exist", param_hint="--in") from exc
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{path} is not UTF-8 text ({exc})", param_hint="--in") from exc


def classify_file(in_path: str, out_path: str, model_dir: Path | None) -> int:
    from curator.classify import load_classifier
    from curator.classify.features import has_summary
    from curator.classify.lanes import model_lane

    classifier = load_classifier(model_dir)
    name = "<stdin>" if in_path == "-" else in_path
    errors = 0
    done = 0
    batch: list[tuple[dict[str, Any], ClassifyInput]] = []

    def flush(out: IO[str]) -> None:
        nonlocal done
        predictions = classifier.predict([inp for _, inp in batch])
        for (obj, inp), p in zip(batch, predictions, strict=True):
            row = {**obj, **{k: getattr(p, k) for k in OUTPUT_FIELDS}}
            row["lane"] = model_lane(p, classifier.lane_thresholds, has_summary=has_summary(inp))
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        done += len(batch)
        batch.clear()

    with _open_out(out_path) as out:
        for n, line in enumerate(_read_lines(in_path), 1):
            if not line.strip():
                continue
            where = f"{name}:{n}"
            try:
                obj = json.loads(line)
                inp = input_from(obj, where)
            except json.JSONDecodeError as exc:
                click.echo(f"error: {where}: not valid JSON ({exc.msg})", err=True)
                errors += 1
                continue
            except ValueError as exc:
                click.echo(f"error: {exc}", err=True)
                errors += 1
                continue
            batch.append((obj, inp))
            if len(batch) >= _BATCH:
                flush(out)
        if batch:
            flush(out)
    summary = f"classified {done} item(s) with model {classifier.version}"
    if errors:
        summary += f"; {errors} line(s) skipped (see the errors above)"
    click.echo(summary, err=True)
    return 1 if errors else 0
