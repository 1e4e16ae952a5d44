"""Add a publication by its link: the one path behind ``curator item add``, ``/pulse add`` and
Slack's **Add to Pulse** shortcut.

1. The link is checked and made canonical; a stored item with the same canonical URL or GOV.UK
   path *is* that publication: nothing is fetched, and the existing item is shown.
2. Otherwise the page is read (:func:`curator.enrich.read_publication`: the polite, SSRF-guarded
   fetcher; the GOV.UK Content API on GOV.UK; the report PDF in the parser process). The watched
   source the link belongs to (:func:`curator.items.match.match_source`) lends its publisher
   when the page names none, and its sector hint.
3. A near-identical title from the same publisher within 14 days is the same publication too,
   as when polling. A new item is stored under the source ``added-by-link`` with what the page
   proposes, classified, and queued for a card (editors' links always get one), or, with
   ``accept``, accepted into the open edition through the decision code (the audit trail).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from curator.config import Settings
from curator.dedupe import title_key
from curator.edition.proposed import item_text
from curator.edition.service import proposal_text
from curator.errors import StoreError
from curator.items.links import (
    Added,
    Link,
    check_labels,
    check_link,
    entry_for,
)
from curator.items.match import match_source
from curator.items.propose import Reader, proposal_of, propose_for_item
from curator.records import Entry, Prediction, SourceConfig
from curator.store.added import item_for_link, item_lane, queue_stored_item, set_editor_lane
from curator.store.decisions import UNDECIDED, Actor, decide
from curator.store.handles import Connection, Engine
from curator.store.item_reads import StoredItem, get_item
from curator.store.items import PublisherTitles, store_entries
from curator.store.outbox import enqueue
from curator.store.predictions import latest_predictions, store_prediction
from curator.store.proposals import get_proposal, save_proposal

if TYPE_CHECKING:
    from curator.classify import Classifier
    from curator.enrich import Publication

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddRequest:
    url: str
    sector: str | None = None  # the editor's labels, overriding the classifier's
    category: str | None = None
    accept: bool = False  # straight into the open edition


@dataclass
class _Work:
    """What one add found on the way, for the answer."""

    warnings: list[str] = field(default_factory=list)
    queued: bool = False


class LinkAdder:
    """Adds publications by their links. One instance may serve many adds (the classifier is
    loaded once, on first use)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        reader: Reader,
        *,
        sources: Sequence[SourceConfig] = (),
        classifier: Classifier | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.reader = reader
        self.sources = list(sources)
        self.clock = clock or (lambda: datetime.now(UTC))
        self._classifier = classifier
        self._model_tried = classifier is not None
        self._model_warning: str | None = None

    def add(self, request: AddRequest, actor: Actor) -> Added:
        """Add the publication at ``request.url`` (or find it already stored). Raises
        :class:`~curator.items.links.LinkUsageError` for a bad link or label and
        :class:`~curator.enrich.EnrichError` when a new link's page cannot be read."""
        link = check_link(request.url)
        check_labels(request.sector, request.category)
        work = _Work()
        with self.engine.connect() as conn:
            existing = item_for_link(conn, link.canonical, link.govuk_path)
        if existing is not None:
            return self._existing(existing, request, actor, work)
        source = match_source(self.sources, link.canonical)
        read_at = self.clock()  # the proposal's stamp: an edit saved meanwhile is the newer
        publication = self.reader.read(link.url, source.publisher if source else None)
        now = self.clock()
        made = entry_for(link, publication, source, now)
        work.warnings += [*made.warnings, *publication.warnings]
        prediction = self._predict(made.entry, source)
        item_id = self._store(
            link, made.entry, publication, read_at, prediction, request, now, work
        )
        if item_id is None:  # the same publication under another link, or a moment ago
            with self.engine.connect() as conn:
                found = _same_publication(conn, link, made.entry, now)
            if found is None:  # the unique constraints refused it: one of its keys is stored
                raise StoreError(f"{link.url}: stored meanwhile under another link; add it again")
            return self._existing(found, request, actor, work, (publication, read_at))
        self._decide(item_id, request, actor, prediction, work)
        return self._answer(item_id, existing=False, work=work)

    # -- steps -------------------------------------------------------------------------------

    def _store(
        self,
        link: Link,
        entry: Entry,
        publication: Publication,
        read_at: datetime,
        prediction: Prediction | None,
        request: AddRequest,
        now: datetime,
        work: _Work,
    ) -> int | None:
        """Store a new item with its proposal and prediction, queue its card; None when it
        turns out to be a publication already stored."""
        with self.engine.begin() as conn:
            if _same_publication(conn, link, entry, now) is not None:
                return None
            stored = store_entries(conn, [entry], now, status="queued")
            if not stored.new:
                return None
            item_id = stored.new_ids[0]
            save_proposal(conn, item_id, proposal_of(publication), read_at)
            if prediction is not None:
                store_prediction(conn, item_id, prediction, now)
            set_editor_lane(conn, item_id, now)
            if not request.accept:
                work.queued = self._enqueue(conn, item_id, now)
        return item_id

    def _existing(
        self,
        item_id: int,
        request: AddRequest,
        actor: Actor,
        work: _Work,
        reading: tuple[Publication, datetime] | None = None,
    ) -> Added:
        """The publication is stored already: show it. One without a card (never shown, a line
        of the roll-up, or expired) is put in front of the editors now, as a card. ``reading``:
        the publication read for this add (found stored meanwhile) and when its reading began,
        kept as the item's proposal if it has none."""
        now = self.clock()
        with self.engine.begin() as conn:
            item = get_item(conn, item_id)
            assert item is not None
            if reading is not None and get_proposal(conn, item_id) is None:
                save_proposal(conn, item_id, proposal_of(reading[0]), reading[1])
            channel = self.settings.slack_channel if self.settings.slack_enabled else None
            if not request.accept and queue_stored_item(conn, item_id, channel, now):
                set_editor_lane(conn, item_id, now)
                work.queued = channel is not None
        prediction = self._stored_prediction(item_id)
        accepted = self._decide(item_id, request, actor, prediction, work, item=item)
        if accepted and reading is None:
            self._propose_if_missing(item_id, work)
        return self._answer(item_id, existing=True, work=work)

    def _decide(
        self,
        item_id: int,
        request: AddRequest,
        actor: Actor,
        prediction: Prediction | None,
        work: _Work,
        *,
        item: StoredItem | None = None,
    ) -> bool:
        """Accept (``request.accept``) or relabel through the decision code, so the editor's
        choice is in the audit trail. True when the item was accepted now."""
        if request.accept and (item is None or item.status in UNDECIDED):
            sector = request.sector or (item.sector if item else None)
            category = request.category or (item.category if item else None)
            outcome = decide(
                self.engine,
                item_id,
                "accept",
                actor,
                sector=sector or (prediction.sector if prediction else None),
                category=category or (prediction.category if prediction else None),
                tz=self.settings.timezone,
            )
            if outcome.result == "conflict":
                work.warnings.append(
                    f"item {item_id} was {outcome.status} by {outcome.decided_by} meanwhile; "
                    "that decision stands"
                )
            return outcome.result == "recorded"
        if request.accept and item is not None:
            work.warnings.append(
                f"item {item_id} is already {item.status}"
                + (f" (by {item.decided_by})" if item.decided_by else "")
                + "; not accepted again"
            )
        if request.sector or request.category:
            decide(
                self.engine,
                item_id,
                "relabel",
                actor,
                sector=request.sector,
                category=request.category,
                tz=self.settings.timezone,
            )
        return False

    def _propose_if_missing(self, item_id: int, work: _Work) -> None:
        """An existing item accepted now is read like any accepted item, if it never was."""
        with self.engine.connect() as conn:
            if get_proposal(conn, item_id) is not None:
                return
        started = self.clock()
        stored = propose_for_item(self.engine, self.reader, item_id, started_at=started).stored
        if stored.error:
            work.warnings.append(f"nothing proposed: {stored.error}")

    def _enqueue(self, conn: Connection, item_id: int, now: datetime) -> bool:
        channel = self.settings.slack_channel
        if not (self.settings.slack_enabled and channel):
            return False
        enqueue(conn, item_id, channel, now)
        return True

    # -- classifying ---------------------------------------------------------------------------

    @property
    def classifier(self) -> Classifier | None:
        if not self._model_tried:
            self._model_tried = True
            from curator.classify import load_classifier_or_warning

            self._classifier, self._model_warning = load_classifier_or_warning(
                self.settings.model_dir, "not classified: {error}"
            )
        return self._classifier

    def _predict(self, entry: Entry, source: SourceConfig | None) -> Prediction | None:
        classifier = self.classifier
        if classifier is None:
            return None
        from curator.classify import ClassifyInput

        [prediction] = classifier.predict(
            [ClassifyInput.of_entry(entry, source.sector_hint if source else None)]
        )
        return prediction

    def _stored_prediction(self, item_id: int) -> Prediction | None:
        with self.engine.connect() as conn:
            found = latest_predictions(conn, [item_id]).get(item_id)
        return None if found is None else found.prediction()

    # -- the answer ----------------------------------------------------------------------------

    def _answer(self, item_id: int, *, existing: bool, work: _Work) -> Added:
        with self.engine.connect() as conn:
            item = get_item(conn, item_id)
            assert item is not None
            proposal = get_proposal(conn, item_id)
            predicted = latest_predictions(conn, [item_id]).get(item_id)
            lane = item_lane(conn, item_id)
        text = item_text(
            summary=item.summary,
            edited_summary=item.edited_summary,
            key_findings=item.key_findings,
            edited_lead_in=item.edited_lead_in,
            proposal=proposal_text(proposal),
        )
        warnings = list(work.warnings)
        if self._model_warning and predicted is None:
            warnings.append(self._model_warning)
        return Added(
            item_id=item_id,
            existing=existing,
            url=item.url,
            title=item.edited_title or item.title,
            publisher=item.edited_publisher or item.publisher,
            published_at=item.published_at,
            document_type=item.document_type,
            summary=text.summary or None,
            key_findings=text.key_findings,
            provenance=dict(proposal.provenance) if proposal else {},
            sector=item.sector or (predicted.sector if predicted else None),
            category=item.category or (predicted.category if predicted else None),
            relevance=predicted.relevance if predicted else None,
            lane=lane,
            status=item.status,
            edition=item.edition,
            queued=work.queued,
            warnings=tuple(warnings),
        )


def _same_publication(conn: Connection, link: Link, entry: Entry, now: datetime) -> int | None:
    """The stored item that is the same publication as ``entry``: same canonical URL or GOV.UK
    path, or a near-identical title from the same publisher within 14 days (as polling)."""
    found = item_for_link(conn, link.canonical, link.govuk_path)
    if found is not None:
        return found
    return PublisherTitles().near(conn, entry, title_key(entry.title), entry.published_at or now)


def watched_sources(path: Path) -> tuple[list[SourceConfig], str | None]:
    """The sources links are matched against, and a warning when the file cannot be read (an
    add goes on without them: the page's own metadata still names most publishers)."""
    from curator.sources import SourcesError, load_sources

    try:
        return load_sources(path), None
    except (SourcesError, OSError) as exc:
        return [], f"links are not matched to watched sources: {exc}"
