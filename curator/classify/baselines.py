"""Baselines the model is measured against on the same splits (``curator eval``).

* keyword rules: what an editor might write down in ten minutes;
* majority class: always the commonest answer in the training part.

Pure functions over :class:`ClassifyInput`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from curator.classify import ClassifyInput

POSITIVE = re.compile(
    r"\b(report|review|evaluation|research|analysis|inspection|findings|evidence|briefing|"
    r"guidance|guide|toolkit|framework|standards|strategy|survey|study|statistics|lessons|"
    r"learning|insight|practice|resource|plan)\b",
    re.I,
)
NEGATIVE = re.compile(
    r"\b(annual report and accounts|accounts|minutes|agenda|vacanc\w*|job|jobs|recruit\w*|"
    r"tender|contract|procurement|framework agreement|webinar|conference|event|appeal|donat\w*|"
    r"fundrais\w*|foi|freedom of information|speech|visit\w*|trustee\w*|calendar|"
    r"press release|live|video|pictures)\b",
    re.I,
)
SECTOR_WORDS: dict[str, re.Pattern[str]] = {
    "criminal_justice": re.compile(
        r"\b(prison\w*|probation|justice|offend\w*|crime|criminal|police|policing|court\w*|"
        r"sentenc\w*|custody|youth justice|reoffending|victims?)\b",
        re.I,
    ),
    "children_young_people": re.compile(
        r"\b(child\w*|young people|youth|school\w*|pupil\w*|education|early years|adoption|"
        r"foster\w*|care leavers?|safeguarding children|send|teen\w*|parent\w*)\b",
        re.I,
    ),
    "adult_social_care_health": re.compile(
        r"\b(nhs|health\w*|social care|adult\w*|care homes?|carers?|dementia|hospital\w*|"
        r"mental health|older people|patients?|clinical|workforce)\b",
        re.I,
    ),
}
CATEGORY_WORDS: dict[str, re.Pattern[str]] = {
    "tools_guidance": re.compile(
        r"\b(guidance|guide|toolkit|framework|standards|resource\w*|practical|how to|tool\w*)\b",
        re.I,
    ),
    "briefings": re.compile(
        r"\b(briefing|summary|letter|response|statement|consultation|position|factfile|"
        r"evidence submitted|blog)\b",
        re.I,
    ),
}


def _text(item: ClassifyInput) -> str:
    return f"{item.document_type or ''} {item.title} {item.summary}"


def keyword_relevance(items: Sequence[ClassifyInput]) -> list[float]:
    """A 0–1 score: positive keyword hits minus negative ones, squashed."""
    scores = []
    for item in items:
        text = _text(item)
        pos = len(POSITIVE.findall(text))
        neg = len(NEGATIVE.findall(text))
        raw = min(pos, 4) - 2 * min(neg, 3)
        scores.append((raw + 6) / 10)
    return scores


def keyword_sector(items: Sequence[ClassifyInput]) -> list[str]:
    out = []
    for item in items:
        text = _text(item)
        hits = {sector: len(p.findall(text)) for sector, p in SECTOR_WORDS.items()}
        best = max(hits, key=lambda s: hits[s])
        out.append(best if hits[best] else "adult_social_care_health")
    return out


def keyword_category(items: Sequence[ClassifyInput]) -> list[str]:
    out = []
    for item in items:
        text = _text(item)
        if CATEGORY_WORDS["tools_guidance"].search(text):
            out.append("tools_guidance")
        elif CATEGORY_WORDS["briefings"].search(text):
            out.append("briefings")
        else:
            out.append("reports")
    return out


def majority(labels: Sequence[str]) -> str:
    """The commonest label (ties broken alphabetically, so the choice is stable)."""
    counts = Counter(labels)
    return min(counts, key=lambda label: (-counts[label], label))
