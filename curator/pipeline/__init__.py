"""One poll pass: claim due sources, fetch, parse, store once, classify, put each item in its lane.

Decided apart from done, as reader's ``Decider`` and ``Pipeline`` are: ``decide`` holds every
rule (what a fetch result means for a source's state and next check, which lane a new item
goes to) as pure functions over typed records; ``stages`` only fetches, hands over and stores;
``poller`` wires one pass. The flow, as pseudocode::

    claim_due(sources)                                   one transaction: other workers see it
    | fetch_many                                         event loop, every source at once
    | Intake: fingerprint | parser processes            as each fetch finishes
    | StoreLoop                                          the store thread, in arrival order
        unchanged (decide.unchanged)  → decide.checked → record_success    one transaction
        failed                        → decide.failed  → record_failure    one each
        parsed | batches → Describe: new items without a summary     outside a transaction
                             (decide.wants_description) get their page's description
                         → store_entries → decide.situation (first document? a flood?)
                         → decide.checked → record_success (a flood's count kept)
                         | Classify: predict → add_predictions
                                     → decide.lane → queue_items (cards, with the outbox;
                                       digest items, without) → set_lane   one transaction
                                                                            per batch
"""

from __future__ import annotations

from curator.pipeline.decide import DEFAULT_BACKFILL
from curator.pipeline.poller import Poller
from curator.pipeline.records import PollReport

__all__ = ["DEFAULT_BACKFILL", "PollReport", "Poller"]
