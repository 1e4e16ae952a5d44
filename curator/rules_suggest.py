"""Skip rules to suggest from the editors' own decisions. Pure (no I/O).

An admin who reads "mostly rejected" in the weekly report still has to find what the rejected
items have in common and write the rule. The editors' decisions already say it: when every one
of a source's decided items of one GOV.UK document type, under one section of its site, or
with one title label ("Speech: …", "Board minutes | …") was rejected, a ``skip`` rule on that
would have spared the editors those cards and lost nothing they took. This proposes such rules,
as Gmail's "filter messages like these" proposes a filter; the admin decides, in
``sources.yaml`` (:mod:`curator.rules`).

A pattern is proposed for a source only when it matches at least ``min_rejected`` items the
editors rejected and none they accepted or made a card of, counted with the rule engine itself
(:func:`curator.rules.matches`), so the figures are what the rule would do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from curator.records import Entry, Rule, SourceConfig
from curator.rules import kept_quiet_by, matches, stored_entry

#: A pattern is proposed only when it matches at least this many rejected items.
MIN_REJECTED = 10
#: At most this many proposals a source.
PER_SOURCE = 3
#: How far back the decisions are read, in days (items first seen since then).
DAYS = 90
#: A title label ("Speech", "Written statement to Parliament") is what comes before one of
#: these, when it is at most :data:`_LABEL_WORDS` words.
_SEPARATORS = (": ", " | ", " - ", " – ", " — ")
_LABEL_WORDS = 5
#: Characters with a meaning in RE2 (escaped in a proposed pattern; nothing else is, so the
#: pattern stays readable in sources.yaml).
_SPECIAL = frozenset("\\.^$|?*+()[]{}")


@dataclass(frozen=True)
class Decided:
    """A recent item of a source and what the editors made of it."""

    source_id: str
    title: str
    url: str
    document_type: str | None
    #: "accepted", "rejected", or "waiting" (still a candidate)
    outcome: str
    #: an editor made a card of it ("Make a card"): wanted, whatever became of it
    carded_by_editor: bool = False
    summary: str = ""

    @property
    def wanted(self) -> bool:
        return self.outcome == "accepted" or self.carded_by_editor

    @property
    def rejected(self) -> bool:
        return self.outcome == "rejected" and not self.carded_by_editor


@dataclass(frozen=True)
class Suggestion:
    """A ``skip`` rule for one source, with what it would have done."""

    source_id: str
    rule: Rule
    #: the source's rejected items it matches (it matches none the editors wanted)
    rejected: int
    #: the source's candidates still waiting that it matches (``apply-rules`` would move them)
    waiting: int
    #: a few titles of the rejected items it matches
    examples: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "source_id": self.source_id,
            "field": self.rule.field,
            "pattern": self.rule.pattern,
            "rule": f"skip rule {self.rule}",
            "rejected": self.rejected,
            "waiting": self.waiting,
            "examples": list(self.examples),
        }

    def yaml_line(self) -> str:
        """The rule as one item of a ``skip:`` list in sources.yaml."""
        pattern = self.rule.pattern.replace("'", "''")
        return f"- {self.rule.field}: '{pattern}'"


def escape(text: str) -> str:
    """``text`` as an RE2 pattern matching it literally, escaping only what RE2 reads."""
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)


def title_label(title: str) -> tuple[str, str] | None:
    """The label a title opens with and the separator after it ("Speech", ": "), or None."""
    cut = [(title.find(sep), sep) for sep in _SEPARATORS if title.find(sep) > 0]
    if not cut:
        return None
    at, sep = min(cut)
    label = title[:at].strip()
    words = label.split()
    if not words or len(words) > _LABEL_WORDS or not any(ch.isalpha() for ch in label):
        return None
    return label, sep


def candidates(item: Decided) -> set[Rule]:
    """The rules an item suggests: its document type, the sections of its site its link sits
    in (one and two folders deep), and its title's label."""
    out: set[Rule] = set()
    if item.document_type and item.document_type.strip():
        out.add(Rule("type", f"^{escape(item.document_type.strip())}$"))
    parts = urlsplit(item.url)
    folders = [p for p in parts.path.split("/") if p][:-1]  # the last is the item's own slug
    host = parts.netloc.rpartition("@")[2]  # with its port, if the link has one
    for depth in (1, 2):
        if host and len(folders) >= depth:
            section = "/".join(folders[:depth])
            out.add(Rule("url", escape(f"{host}/{section}/")))
    label = title_label(item.title)
    if label is not None:
        text, sep = label
        out.add(Rule("title", f"^{escape(text)}{escape(sep.rstrip())}"))
    return out


def _entry(item: Decided) -> Entry:
    return stored_entry(item.source_id, item.title, item.url, item.summary, item.document_type)


def suggest_for_source(
    items: Sequence[Decided],
    *,
    min_rejected: int = MIN_REJECTED,
    per_source: int = PER_SOURCE,
) -> list[Suggestion]:
    """The skip rules worth proposing for one source's recent ``items``: each matches at least
    ``min_rejected`` rejected items not already covered by a proposal before it and no wanted
    item; the one catching most first (on a tie, the narrower pattern: it risks less)."""
    if not items:
        return []
    source_id = items[0].source_id
    rejected = [i for i in items if i.rejected]
    wanted = [_entry(i) for i in items if i.wanted]
    waiting = [_entry(i) for i in items if i.outcome == "waiting" and not i.carded_by_editor]
    # A rule is only worth matching when enough rejected items suggest it themselves.
    seen: Counter[Rule] = Counter()
    for item in rejected:
        seen.update(candidates(item))
    entries = [(_entry(i), i.title) for i in rejected]
    scored: list[tuple[Rule, list[int]]] = []
    for rule, n in seen.items():
        if n < min_rejected or any(matches(rule, e) for e in wanted):
            continue
        hits = [k for k, (e, _) in enumerate(entries) if matches(rule, e)]
        scored.append((rule, hits))
    scored.sort(key=lambda rh: (-len(rh[1]), -len(rh[0].pattern), str(rh[0])))
    covered: set[int] = set()
    out: list[Suggestion] = []
    for rule, hits in scored:
        new = [k for k in hits if k not in covered]
        if len(new) < min_rejected:
            continue
        covered.update(hits)
        out.append(
            Suggestion(
                source_id=source_id,
                rule=rule,
                rejected=len(hits),
                waiting=sum(1 for e in waiting if matches(rule, e)),
                examples=tuple(entries[k][1] for k in hits[:3]),
            )
        )
        if len(out) == per_source:
            break
    return out


def let_through(items: Iterable[Decided], sources: Sequence[SourceConfig]) -> list[Decided]:
    """The ``items`` of ``sources`` a new rule could still spare the editors: those the
    sources' rules as they stand would not keep quiet, and every item the editors wanted,
    which a new rule must never catch, whether the rules catch it now or not (an item of a
    source no longer in the file, or added by its link, is left out)."""
    by_id = {s.id: s for s in sources}
    out: list[Decided] = []
    for item in items:
        source = by_id.get(item.source_id)
        if source is None:
            continue
        ruled = source.skip or source.keep
        if ruled and not item.wanted and kept_quiet_by(_entry(item), source.skip, source.keep):
            continue
        out.append(item)
    return out


def suggest(
    items: Iterable[Decided],
    *,
    min_rejected: int = MIN_REJECTED,
    per_source: int = PER_SOURCE,
) -> list[Suggestion]:
    """:func:`suggest_for_source` for every source of ``items``, in source order."""
    by_source: dict[str, list[Decided]] = defaultdict(list)
    for item in items:
        by_source[item.source_id].append(item)
    out: list[Suggestion] = []
    for source_id in sorted(by_source):
        out.extend(
            suggest_for_source(
                by_source[source_id], min_rejected=min_rejected, per_source=per_source
            )
        )
    return out
