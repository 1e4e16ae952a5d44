"""Turn a :class:`ClassifyInput` into the strings the vectorizers read, and build the vectorizers.

Pure: no I/O. Every vectorizer is a stock scikit-learn class with its default analyzer (no custom
callables), so a fitted one can be saved with skops and loaded against an explicit allow-list.

Fields (publisher, title, summary, URL, GOV.UK document type, the source's sector hint):

* ``title``: the GOV.UK display type (given, or split off a "Research and analysis: " title
  prefix) followed by the title; word 1–2-grams;
* ``summary``: the first ``MAX_SUMMARY_CHARS`` characters of the summary (HTML stripped with
  ``curator.normalise.clean_text``; longer text is cut, never rejected); words, stop words
  kept;
* ``text``: title and summary as one bag of words, English stop words removed (beside the two
  separate blocks: a word then counts wherever it appears);
* ``url``: the words of the URL's host and path and their pairs ("gov uk", "government
  publications", "news", …);
* ``keywords`` / ``keyword_flags``: counts (capped at 3) and present/absent flags of the
  keyword rules' hits (sector and category vocabularies of ``curator.classify.baselines``), of
  :data:`ANNOUNCEMENT` words (press statements, blogs, newsletters, board meetings:
  organisational news rather than publications) and the sector hint.

Every head reads every block (chosen with publisher-grouped cross-validation, see the model
card).

The publisher's name is deliberately not a feature: held out by publisher, it made every head
worse (it memorises publishers instead of learning what a report looks like; see the model card).
It is the grouping key of the held-out splits instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from curator.classify import wordvec
from curator.classify.baselines import CATEGORY_WORDS, NEGATIVE, POSITIVE, SECTOR_WORDS
from curator.classify.types import ClassifyInput
from curator.normalise import clean_text, says_more_than, split_document_type

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

#: Longest title / summary read (characters); longer text is cut, never rejected.
MAX_TITLE_CHARS = 300
MAX_SUMMARY_CHARS = 300
_SLUG = re.compile(r"[^a-z0-9]+")
_PARENS = re.compile(r"\([^)]*\)")
#: Words of announcements and organisational news rather than publications (the labelling rules
#: of data/training/README.md): read by the heads as an "ann" keyword token.
ANNOUNCEMENT = re.compile(
    r"\b(responds?|statement|welcomes?|comments? on|announc\w*|launch\w*|"
    r"bulletin|newsletter|brochure|call for evidence|podcast|blog|award\w*|news|"
    r"terms and conditions|board meeting|webcast|business plan)\b",
    re.I,
)


@dataclass(frozen=True)
class Prepared:
    title: str
    summary: str
    url: str
    keywords: str
    text: str = ""


def slug(value: str) -> str:
    return _SLUG.sub("_", value.lower()).strip("_")


def publisher_group(publisher: str) -> str:
    """The publisher with any "(via …)" note removed: the grouping key for held-out splits."""
    return slug(_PARENS.sub(" ", publisher)) or "unknown"


def _lowercase_rule(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same rule without ``re.IGNORECASE``, to run on lower-cased text: about 3× faster per
    item (the rules are lower-case ASCII; ``tests/test_classify.py`` checks the counts agree with
    the case-insensitive rules on every training row)."""
    return re.compile(pattern.pattern)


#: (token, rule) in the order the tokens are written; run on ``text.lower()``.
KEYWORD_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    *((f"sec_{sector}", _lowercase_rule(p)) for sector, p in SECTOR_WORDS.items()),
    *((f"cat_{category}", _lowercase_rule(p)) for category, p in CATEGORY_WORDS.items()),
    ("pos", _lowercase_rule(POSITIVE)),
    ("neg", _lowercase_rule(NEGATIVE)),
    ("ann", _lowercase_rule(ANNOUNCEMENT)),
)


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (``a|b(c|d)|[|]`` → ``a``,
    ``b(c|d)``, ``[|]``)."""
    parts: list[str] = []
    current: list[str] = []
    depth = i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if c == "[":
            j = i + 1
            while pattern[j] != "]" or j == i + 1:
                j += 2 if pattern[j] == "\\" else 1
            current.append(pattern[i : j + 1])
            i = j + 1
            continue
        if c == "|" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            depth += {"(": 1, ")": -1}.get(c, 0)
            current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def _any_rule(rules: tuple[tuple[str, re.Pattern[str]], ...]) -> re.Pattern[str]:
    """Every word start where at least one rule matches (each rule is ``\\b(…)\\b``).

    The rules' alternatives are grouped by their first letter (``a(?:dult\\w*|utis\\w*)|…``):
    Python's regex engine skips an alternative whose first character does not match, so it
    tries about 25 groups at each word start instead of some 260 words, 4× faster."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    for token, rule in rules:
        if not (rule.pattern.startswith(r"\b(") and rule.pattern.endswith(r")\b")):
            raise ValueError(f"keyword rule {token} must read \\b(...)\\b, not {rule.pattern!r}")
        for alternative in _alternatives(rule.pattern[3:-3]):
            first, rest = alternative[:1], alternative[1:]
            if first.isalnum() and first.isascii() and not rest.startswith(("?", "*", "+", "{")):
                groups.setdefault(first, []).append(rest)
            else:
                others.append(alternative)
    branches = [
        f"{first}(?:{'|'.join(sorted(set(rests), key=lambda r: (r == '', r)))})"
        for first, rests in sorted(groups.items())
    ]
    return re.compile(r"\b(?=(?:" + "|".join(branches + others) + r")\b)")


_ANY_RULE = _any_rule(KEYWORD_RULES)


def keyword_counts(text: str, cap: int = 3) -> list[int]:
    """``min(len(rule.findall(text)), cap)`` for each of :data:`KEYWORD_RULES`, in one scan of
    the text instead of one per rule (about a quarter faster; ``tests/test_classify.py`` checks
    the counts are the same on every training row). A rule can only match where the union of
    all rules matches, so each rule is tried at those places alone, left to right, skipping any
    inside its previous match, as ``findall`` would."""
    starts = [m.start() for m in _ANY_RULE.finditer(text)]
    counts = []
    for _, rule in KEYWORD_RULES:
        hits = end = 0
        for start in starts:
            if start >= end and (found := rule.match(text, start)) is not None:
                hits += 1
                end = found.end()
                if hits == cap:
                    break
        counts.append(hits)
    return counts


def _keywords(document_type: str | None, title: str, summary: str, sector_hint: str | None) -> str:
    """Counts of the keyword-rule hits (capped at 3) as repeated tokens, plus the sector hint.

    The sector and category heads read these beside the words: with a few hundred rows, an
    editor's vocabulary ("prison", "safeguarding children", "toolkit") generalises better than
    the words of any one publisher.
    """
    text = f"{document_type or ''} {title} {summary}".lower()
    tokens: list[str] = []
    for (token, _), hits in zip(KEYWORD_RULES, keyword_counts(text), strict=True):
        tokens += [token] * hits
    if sector_hint:
        tokens.append(f"hint_{slug(sector_hint)}")
    return " ".join(tokens) or "none"


def prepare(item: ClassifyInput) -> Prepared:
    title = clean_text(item.title, max_chars=MAX_TITLE_CHARS)
    document_type = item.document_type
    if not document_type:
        # Organisation feeds carry the GOV.UK display type only as a title prefix.
        document_type, title = split_document_type(title)
    summary = clean_text(item.summary or "", max_chars=MAX_SUMMARY_CHARS)
    url_words = ""
    if item.url:
        parts = urlsplit(item.url.strip())
        host = (parts.hostname or "").removeprefix("www.")
        url_words = " ".join(_SLUG.sub(" ", f"{host} {parts.path}".lower()).split()[:40])
    if document_type:
        # The display type reads as words of the title ("research and analysis", "guidance").
        title = f"{document_type}: {title}"
    return Prepared(
        title=title,
        summary=summary,
        url=url_words,
        keywords=_keywords(document_type, title, summary, item.sector_hint),
        text=f"{title} {summary}".strip(),
    )


def has_summary(item: ClassifyInput) -> bool:
    """Whether ``item`` has a summary that says more than its title: not empty once cleaned, and
    with a word the title does not have (a feed that repeats the title as its description gives
    none). An item without one scores much lower (every training row has one), so it has lane
    points of its own (:mod:`curator.classify.lanes`; ``benchmarks/experiments/NO_SUMMARY.md``)."""
    summary = clean_text(item.summary or "", max_chars=MAX_SUMMARY_CHARS)
    return says_more_than(summary, clean_text(item.title, max_chars=MAX_TITLE_CHARS))


def without_summary(item: ClassifyInput) -> ClassifyInput:
    """Pure: ``item`` as a feed that gives no summary would: title, link, document type and
    sector hint only."""
    return replace(item, summary="")


#: vectorizer name -> the Prepared attribute it reads.
FIELDS: dict[str, str] = {
    "title_words": "title",
    "summary_words": "summary",
    "text_words": "text",
    "url_words": "url",
    "keywords": "keywords",
    "keyword_flags": "keywords",
    # title and summary as a bag of the word table's words (``curator.classify.wordvec``)
    "word_vectors": "text",
}
#: Which vectorizers each head reads (chosen with grouped cross-validation, see the model card).
_TEXT_FIELDS: tuple[str, ...] = ("title_words", "summary_words", "text_words", "url_words")
# Every head reads the keyword tokens both as flags (did a rule fire?) and as counts (how often,
# capped at 3): held out by publisher that beat either form alone on 1,058 rows (round 4).
# The relevance head also reads the words' meaning: the ``word_vectors`` block (last, always;
# ``curator.classify.fit.WeightedRelevance`` fits it through the word table and folds it back).
RELEVANCE_FIELDS: tuple[str, ...] = (*_TEXT_FIELDS, "keyword_flags", "keywords", "word_vectors")
#: The relevance head's blocks read as they are (all but ``word_vectors``).
SPARSE_RELEVANCE_FIELDS: tuple[str, ...] = RELEVANCE_FIELDS[:-1]
LABEL_FIELDS: tuple[str, ...] = (*_TEXT_FIELDS, "keywords", "keyword_flags")
#: The category head also reads the words' meaning, as the relevance head does: the embedding
#: head's decision folded in over the ``word_vectors`` bag (:func:`curator.classify.fit.
#: fit_category_head`); a model saved before it reads ``LABEL_FIELDS``.
CATEGORY_FIELDS: tuple[str, ...] = (*LABEL_FIELDS, "word_vectors")
#: How much each block counts in the relevance head (1 when not named): the block's features are
#: multiplied by its weight before the head is fitted, so the regularisation lets it speak louder.
#: The summary says what an item is (a report's findings, a release's "announced today"), and at
#: twice the weight the card lane's false-positive rate at 95% recall fell from 0.145 to 0.115,
#: publisher-grouped out of fold on the development rows only (5 fold assignments,
#: ``python -m benchmarks.lanes_oof``; the model card, "Round 8").
#: :func:`curator.classify.fit.fit_relevance_head` folds the weights into the fitted
#: coefficients, so scoring (and the compiled scorer) reads the blocks unweighted.
RELEVANCE_BLOCK_WEIGHTS: dict[str, float] = {"summary_words": 2.0}
#: The same for the category head (:func:`curator.classify.fit.fit_category_head`), whose
#: coefficients are folded the same way (``python -m benchmarks.category_oof`` compares them).
CATEGORY_BLOCK_WEIGHTS: dict[str, float] = {}


def category_fields(head: Any, label_width: int) -> tuple[str, ...]:
    """Pure: the blocks a fitted category ``head`` reads, ``label_width`` being the width of
    ``LABEL_FIELDS`` side by side: those alone when it is that wide (a model saved before the
    embedding, or a one-class head), ``CATEGORY_FIELDS`` when the embedding is folded in."""
    if isinstance(head, str) or head.n_features_in_ == label_width:
        return LABEL_FIELDS
    return CATEGORY_FIELDS


def build_vectorizers() -> dict[str, Any]:
    """Fresh, unfitted vectorizers, one per entry of :data:`FIELDS`."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    return {
        "title_words": TfidfVectorizer(
            ngram_range=(1, 2), sublinear_tf=True, strip_accents="unicode"
        ),
        # no stop-word list here: function words of the summary ("we", "our", "you", "will")
        # tell announcements, adverts and notices from publications (relevance ROC-AUC held
        # out by publisher 0.967 -> 0.970 on 1,058 rows; see the model card, round 4)
        "summary_words": TfidfVectorizer(sublinear_tf=True, strip_accents="unicode"),
        "text_words": TfidfVectorizer(
            sublinear_tf=True, strip_accents="unicode", stop_words="english"
        ),
        "url_words": TfidfVectorizer(
            token_pattern=r"[a-z0-9]{2,}", ngram_range=(1, 2), sublinear_tf=True
        ),
        "keywords": CountVectorizer(token_pattern=r"\S+", lowercase=False),
        # the same tokens, present/absent: the relevance head scored better held out by
        # publisher with whether a rule fired than with how often; the label heads the reverse
        "keyword_flags": CountVectorizer(token_pattern=r"\S+", lowercase=False, binary=True),
        "word_vectors": wordvec.vectorizer(wordvec.load()),
    }


def fit(vectorizers: dict[str, Any], prepared: Sequence[Prepared]) -> None:
    for name, attr in FIELDS.items():
        vectorizers[name].fit([getattr(p, attr) for p in prepared])
        # stop_words_ only records pruned terms: it is not needed to transform (scikit-learn
        # documents it as safe to delete) and would bloat the saved model.
        if hasattr(vectorizers[name], "stop_words_"):
            del vectorizers[name].stop_words_


def transform(vectorizers: dict[str, Any], prepared: Sequence[Prepared]) -> dict[str, csr_matrix]:
    """Every block ``vectorizers`` has (a model saved before the ``word_vectors`` block has
    none of it)."""
    return {
        name: vectorizers[name].transform([getattr(p, attr) for p in prepared])
        for name, attr in FIELDS.items()
        if name in vectorizers
    }


def stack(blocks: dict[str, csr_matrix], fields: Sequence[str]) -> csr_matrix:
    from scipy.sparse import hstack

    return hstack([blocks[f] for f in fields], format="csr")


def column_weights(
    blocks: dict[str, csr_matrix], fields: Sequence[str], weights: dict[str, float]
) -> np.ndarray:
    """Pure: the weight of every column of ``stack(blocks, fields)`` (its block's weight, 1 for
    a block not in ``weights``)."""
    import numpy as np

    return np.concatenate([np.full(blocks[f].shape[1], weights.get(f, 1.0)) for f in fields])
