"""How much the held-out figures lean on the kind of page named at the start of a summary.

The collected rows' summaries were written by the helpers who judged them, and many of the
not-relevant ones begin by naming the kind of page ("Press release on …", "News item
launching …", "Blog post about …"), which a feed's own description seldom does. This measures
the card lane's false-positive rate at 95% recall, pooled out of fold on the development rows
(``benchmarks.lanes_oof``, 5 assignments, the shipped settings), with that opening phrase cut
from every summary that has one (:data:`GENRE`), against the rows as they are. A measurement
only: nothing is chosen on it, and the untouched test publishers are not read.

    .venv/bin/python -m benchmarks.experiments.genre_words
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks import lanes_oof
from benchmarks.common import ROOT

#: A summary's opening phrase that names the kind of page, with the preposition after it.
GENRE = re.compile(
    r"^(?:a |an |the )?(?:short |brief |the organisation's |organisation's )?"
    r"(press release|press statement|news item|news story|news|announcement|blog post|blog|"
    r"statement|web page|landing page|page|listing page|listing|event page|event|job advert|"
    r"job|advert|minutes|agenda|speech|podcast|letter)s?\b[\s,:;-]*"
    r"(?:on|about|of|for|from|by|describing|announcing|launching|listing|setting out|with)?\s*",
    re.IGNORECASE,
)


def cut(summary: str) -> str:
    """``summary`` without its opening page-kind phrase (unchanged when it has none)."""
    return GENRE.sub("", summary, count=1)


def main() -> None:
    source = ROOT / "data" / "training"
    changed: Counter[bool] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted(source.glob("*.jsonl")):
            lines = []
            for line in path.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                summary = row.get("summary") or ""
                if cut(summary) != summary:
                    changed[bool(row["relevant"])] += 1
                lines.append(json.dumps({**row, "summary": cut(summary)}))
            (Path(tmp) / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(
            f"summaries cut: {changed[False]} not relevant, {changed[True]} relevant "
            "(all rows, both splits; only the development rows are scored)"
        )
        print("== the rows as they are")
        lanes_oof.main(["--training-dir", str(source)])
        print("== the opening page-kind phrase cut from every summary")
        lanes_oof.main(["--training-dir", tmp])


if __name__ == "__main__":
    main()
