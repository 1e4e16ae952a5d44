"""Reading an item's publication and keeping what it proposes.

Only for items an editor added by their link or accepted, never for every polled item: reading
a publication is a page, often a report PDF, and seconds of parsing. A publication that cannot
be read (a PDF with a password, scanned pages, a dead link) fails only its own item: the reason
is stored as the item's proposal, and the feed's summary stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from curator.enrich import EnrichError, Publication, ReaderSettings, read_publication_sync
from curator.errors import CuratorError
from curator.fetch import FetchSettings
from curator.parse.pool import ParsePool
from curator.store.handles import Engine
from curator.store.item_reads import get_item
from curator.store.proposals import NewProposal, StoredProposal, get_proposal, save_proposal


class ItemNotFound(CuratorError):
    """No item has the id given."""


@dataclass(frozen=True)
class Reader:
    """Reads publications through the project's fetcher (SSRF guard, caps, User-Agent) and
    the parser processes of ``pool`` (the parse timeout; a hostile PDF costs one item)."""

    fetch_settings: FetchSettings
    pool: ParsePool
    settings: ReaderSettings | None = None

    def read(self, url: str, publisher: str | None = None) -> Publication:
        """The publication at ``url``; an :class:`EnrichError` saying why it could not be read.
        ``publisher``: the watched source's, used unless the page names its own."""
        return read_publication_sync(
            url,
            fetcher_settings=self.fetch_settings,
            pool=self.pool,
            publisher=publisher,
            settings=self.settings,
        )


def proposal_of(publication: Publication) -> NewProposal:
    return NewProposal(
        url=publication.url,
        summary=publication.summary,
        key_findings=publication.key_findings,
        lead_in=publication.lead_in,
        provenance=publication.provenance,
        missing=publication.missing,
        report_url=publication.report_url,
        warnings=publication.warnings,
    )


def failed_proposal(url: str, error: Exception) -> NewProposal:
    """The proposal of a publication that could not be read: nothing, and why."""
    return NewProposal(url=url, error=f"{type(error).__name__}: {error}")


@dataclass(frozen=True)
class Reading:
    """What reading an item's publication left stored."""

    stored: StoredProposal
    #: Set when this reading found nothing to propose (the page is gone, the PDF will not
    #: open) while an earlier one had: the earlier proposal is kept, and this says why the new
    #: reading was not. None: the new reading is the one stored.
    not_kept: str | None = None


def propose_for_item(
    engine: Engine, reader: Reader, item_id: int, *, started_at: datetime | None = None
) -> Reading:
    """Read ``item_id``'s publication and store what it proposes, or why it could not be read
    (never raised: the item keeps its feed summary either way). A reading that proposes
    nothing never replaces one that proposed text: a page that broke since, read again, would
    otherwise lose the editors a good proposal.

    The proposal is stamped with when its reading began (``started_at``, default the clock
    before the page is fetched), not when it is saved: an editor's text saved while a large
    PDF was being read is newer than what the reading proposes, so Use this on it is refused
    (:func:`~curator.store.proposals.text_saved_since`) rather than writing over that text."""
    started = started_at or datetime.now(UTC)
    with engine.connect() as conn:
        item = get_item(conn, item_id)
    if item is None:
        raise ItemNotFound(f"no item with id {item_id}")
    try:
        proposal = proposal_of(reader.read(item.url, item.publisher))
    except EnrichError as exc:
        proposal = failed_proposal(item.url, exc)
    with engine.begin() as conn:
        earlier = get_proposal(conn, item_id)
        if earlier is not None and earlier.has_text and not proposal.has_text:
            return Reading(earlier, not_kept=proposal.error or why_nothing(proposal.missing))
        save_proposal(conn, item_id, proposal, started)
        stored = get_proposal(conn, item_id)
    assert stored is not None
    return Reading(stored)


def why_nothing(missing: Mapping[str, str]) -> str:
    """Why a reading proposed nothing, from its ``missing`` (what was looked for and why not)."""
    return "; ".join(missing.values()) or "no section to quote"
