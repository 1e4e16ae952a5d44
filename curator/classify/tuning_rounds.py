"""The model card's "What we tried" section: what each tuning round tried, kept and dropped, with
the figures and commands that decided it (text only; ``curator.classify.card`` renders it).

A round that changes what is trained adds its line here, with the command that measured it.
"""

from __future__ import annotations

#: The section's lines, heading first.
TUNING_ROUNDS: tuple[str, ...] = (
    "## What we tried (the tuning rounds)",
    "",
    "Every figure below is from the publisher-grouped split of `curator eval` (same code, "
    "same folds, bootstrap off) or, where marked *OOF*, from the relevance head's "
    "publisher-grouped out-of-fold ROC-AUC alone; each line compares variants on the same "
    "rows. Starting point, 496 rows: ROC-AUC 0.931, recall 0.956, sector macro-F1 0.908, "
    "category macro-F1 0.779.",
    "",
    "- **More labelled data** (496 → the rows above; see `data/training/README.md`, round "
    "2): kept. Many of the new rows are hard negatives (press releases about reports, "
    "board minutes, tenders, speeches, trade-press coverage), so on its own it *lowered* "
    "the relevance figure (OOF ROC-AUC 0.931 → 0.926 at about 730 rows) while making it more "
    "honest; it lifted the sector and category heads once the vocabulary below existed.",
    "- **Wider keyword vocabulary** (sector words such as HMP, probation, reoffending, care "
    "proceedings, kinship, social mobility, ICB, public health; a Reports vocabulary; more "
    "Briefings and Tools words): kept. 587 rows: sector 0.890 → 0.946, category 0.789 → "
    "0.819. The words were chosen with the held-out errors in view, so the sector and "
    "category figures may be somewhat optimistic for publishers not yet seen.",
    "- **Keyword hits in the relevance head**: with the old vocabulary worse (0.931 → 0.914, "
    "496 rows); with the wider one better, more so with weaker regularisation (OOF, ~730 "
    "rows: 0.926 base; +URL word pairs 0.933; +title-and-summary block 0.936; +keywords at "
    "C = 10 / 30 / 100: 0.942 / 0.946 / 0.948). Kept, with C = 100.",
    "- **Keyword flags instead of counts** (798 rows): relevance better (ROC-AUC 0.948 → "
    "0.951, recall 0.959 → 0.975), sector and category worse (0.948 / 0.838 → 0.942 / "
    "0.824); so flags for relevance and counts for the label heads (0.951 / 0.975 / "
    "0.948 / 0.838). Flags added to the "
    "label heads as well: sector 0.945, category 0.848 — dropped (sector target first).",
    "- Dropped: character 2–5-grams of the title (0.931 → 0.922 on 496 rows, and 0.926 → "
    "0.915 OOF on ~730 rows); word bigrams of the summary (0.925); min_df = 2 (0.921); no "
    "URL block (0.895); keyword block removed from the label heads (sector 0.804, category "
    "0.604); GOV.UK document type as a separate one-hot block (≤ +0.001 OOF, not worth a "
    "block); no class weighting (OOF 0.947 vs 0.948); C = 300 for relevance (+0.001 OOF, "
    "but even more extreme probabilities).",
    "- **Round 3** (808 → 933 rows, 59 publishers new to the data; `curator eval --no-db "
    "--bootstrap 200`): more data alone 0.953 → 0.962 ROC-AUC, sector 0.952 → 0.956, "
    "category 0.830 → 0.853; then an announcement vocabulary (responds, statement, launch, "
    "bulletin, board meeting, webcast, business plan …) as an `ann` keyword token read by "
    "every head: 0.962 → 0.964 at 900 rows. Kept. Many new negatives are easy ones (board "
    "minutes, tenders, job adverts), so part of the gain is data that looks more like a real "
    "feed rather than better handling of hard cases; the words were chosen with the held-out "
    "errors in view.",
    "- **Round 4** (933 → 1,058 rows; the 125 new rows bring 63 publishers new to the data; "
    "`curator eval --no-db`, point estimates): more data alone 0.965 → 0.967 ROC-AUC, but "
    "sector 0.958 → 0.949 (many new positives sit between criminal justice and children's "
    "services: youth offending evaluations, gangs, diversion) and category 0.862 → 0.862. "
    "Then, on the 1,058 rows: stop words kept in the summary block 0.967 → 0.970 (function "
    "words such as *we*, *our*, *you*, *will* mark announcements, adverts and notices); "
    "keyword counts beside the flags in the relevance head → 0.972; keyword flags beside "
    "the counts in the label heads: sector 0.949 → 0.952, category 0.858 → 0.854. All "
    "kept: 0.972 / recall 0.968 / sector 0.952 / category 0.854. On the round-3 rows alone "
    "the same changes give 0.969 ROC-AUC but sector 0.946, so the sector figure sits within "
    "a row or two of its target; these changes were chosen on the same folds they are "
    "reported on. Tried and not kept: C = 300 for relevance (+0.001), stop words kept in "
    "the title-and-summary block too (+0.000, category −0.002), no URL block in the label "
    "heads, C = 1 / 3 / 100 for the sector head (no better).",
    "- **Rounds 5 and 6, and C chosen by the data** (`curator eval --no-db`, point "
    "estimates; ROC-AUC / recall / sector / category). Round 5 (1,058 → 1,172 rows, aimed at "
    "the held-out errors, no code change): 0.972 / 0.968 / 0.952 / 0.854 → 0.969 / 0.962 / "
    "0.957 / 0.845. The relevance head's C, fixed at 100 by hand on these folds until then, "
    "is now chosen by publisher-grouped cross-validation on the training rows alone (nested "
    "inside each held-out fold): 0.9699 on 1,172 rows, still under the target. Round 6 "
    "(→ 1,328 rows, aimed at what the watched publishers' feeds carry, chosen without "
    "looking at the model's predictions): C = 100 gives 0.9700 / 0.957 / 0.953 / 0.851 "
    "(the split run with the search off; command in `data/training/README.md`); "
    "with C chosen from 30 to 30,000 (the grid was widened past 10,000, where the training "
    "rows' best C had sat at its edge) 0.9710 / 0.959 / 0.953 / 0.851, the committed model. "
    "The ROC-AUC target is met by a thousandth and its 95% interval spans it.",
    "- **Round 7: lanes, an untouched test split, a training window** (no feature, "
    "vocabulary, setting or data change): the card and digest points are chosen from "
    "publisher-grouped out-of-fold recall (0.95 / 0.995); about a sixth of the rows, those "
    "of the publishers a hash of the name sets aside, are now scored once and never "
    "chosen on (below), so the cross-validated figures are on the development rows only "
    "and differ from round 6's; `curator train` reads the newest 20,000 editors' decisions "
    "and reuses a C searched less than a week before.",
    "- **Rounds 8 and 9: what the watched publishers publish, and the summary counts "
    "twice** (1,328 → 1,652 rows: 324 items of the watched publishers taken as the search "
    "tool gave them, 221 not relevant, without looking at the model's predictions; see "
    "`data/training/README.md`). Card false-positive rate at 95% recall, pooled out of fold "
    "on the development rows only, mean of 5 assignments of publishers to folds "
    "(`python -m benchmarks.lanes_oof`), chosen at 1,500 rows: 0.145 with every block at "
    "weight 1, 0.115 with the summary block at weight 2 (kept). Tried on the same rows and "
    "not kept: summary weight 3 (0.117), title weight ½ (0.119), text block ×2 (0.115), "
    "URL block ×½ (0.121), a topic flag (0.114), rows weighted by 1/√ of their publisher's "
    "count (0.116), a character 3–5-gram model averaged in (0.117), news-verb and "
    "publication-word flags (0.116–0.124), complement naive Bayes and linear SVM blends, "
    "bagging, positive-class weights ½–4 (all no better). Round 9, collected after the "
    "choice, is harder: 0.142 at weight 1, 0.137 at weight 2.",
    "- **Round 10, and what words mean** (1,652 → 1,800 rows: 148 more items of the "
    "watched publishers and their peers, 86 not relevant, taken as the search tool gave "
    "them without looking at the model). The relevance head gains the word-vector block "
    "(above). Card false-positive rate at 95% recall, pooled out of fold on the development "
    "rows (`python -m benchmarks.lanes_oof`, 5 assignments): 0.137 → 0.110 on 1,652 rows, "
    "where it was chosen (embedding head C = 3, its decision added at weight 1, among C 1 / "
    "3 and weight ½ / 1; tried before it and not kept: MiniLM sentence embeddings alone, "
    "0.37, or as a dense block, 0.126, and probability averages, 0.108–0.158: "
    "`benchmarks/experiments/EMBED.md`), and 0.131 → 0.108 on 1,800 rows, round 10 being "
    "collected after the choice; better on every assignment both times.",
    "- **Round 11** (1,800 → 1,978 rows: 178 more items of the watched publishers and "
    "their peers, 110 not relevant, the look-ups weighted toward on-subject items that are "
    "not digest material: statements, letters, debates, data-tool guides; taken as the "
    "search tool gave them without looking at the model). No change of code: card "
    "false-positive rate at 95% recall pooled out of fold on the development rows 0.110 "
    "(`python -m benchmarks.lanes_oof`, 5 assignments). Tried on them and not kept (the "
    "rule: better on every assignment): the announcement words widened with letters, "
    "debates, Hansard, written questions, user guides, methodology, FAQs and grant "
    "determinations, 0.110 (better on 2 of 5).",
    "- **After round 11: three experiments on the development rows, none kept** (each "
    "with its rule declared before it ran). A non-linear second stage over the linear "
    "head's inner out-of-fold score, the word-vector mean and the keyword counts "
    "(gradient-boosted trees): card false-positive rate 0.110 → 0.107 pooled out of fold, "
    "lower on 3 of 5 assignments, ROC-AUC −0.004 (`benchmarks/experiments/STACK.md`). The "
    "relevance head's C chosen by the lowest inner card false-positive rate instead of the "
    "best ROC-AUC, or fixed at 30 or 300: nested card false-positive rate 0.124 → 0.121 / "
    "0.127 / 0.123 (`C_PICK.md`). The card threshold from three inner fold assignments "
    "(their median, or one pool) instead of one: 0.124 → 0.125 / 0.125 "
    "(`THRESH_PICK.md`). The nested card recall stays at 0.959 against the 0.95 aimed at "
    "in all of them; a likely cause, not measured: thresholds chosen on inner models "
    "trained on fewer rows land a little low for the model trained on more.",
    "- **Where the card threshold is chosen** (development rows, nested, 5 fold "
    "assignments, rule declared first: `benchmarks/experiments/CROSSFIT.md`). Scoring with "
    "the mean of the fold models whose out-of-fold scores chose the threshold "
    "(cross-fitting) instead of one model fitted on all the rows: card false-positive rate "
    "0.124 → 0.134 (each fold its own vectorizers) and 0.131 (one shared set, the fold "
    "heads' coefficients averaged), worse on every assignment: averaged scores overshoot "
    "the recall more. Not kept. The same run measured the cause suspected above: with 3, 5 "
    "and 10 inner folds the nested card recall falls 0.959 → 0.955 → 0.952 and the card "
    "false-positive rate 0.124 → 0.116 → 0.112; 10 folds against the 5 `curator train` "
    "uses missed the declared bar (−0.004, lower on 4 of 5), so the choice stays on 5 folds "
    "and the nested figures below keep their 3 inner folds, as declared before the run.",
)
