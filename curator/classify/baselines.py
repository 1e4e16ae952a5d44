"""Baselines the model is measured against on the same splits (``curator eval``).

* keyword rules: what an editor might write down in ten minutes;
* majority class: always the commonest answer in the training part.

Pure functions over :class:`ClassifyInput`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from curator.classify.types import ClassifyInput

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
#: An editor's vocabulary per sector. Also read (as hit counts) by the model's heads through
#: ``curator.classify.features``: with a few hundred rows, these generic domain words generalise
#: to unseen publishers better than any one publisher's wording.
SECTOR_WORDS: dict[str, re.Pattern[str]] = {
    "criminal_justice": re.compile(
        r"\b(prison\w*|probation|justice|offend\w*|reoffend\w*|re-offend\w*|crime\w*|criminal|"
        r"police|policing|court\w*|sentenc\w*|custody|custodial|youth justice|victims?|hmp|hmyoi|"
        r"yoi|jails?|inmates?|detention|detainees?|parole|resettlement|rehabilitation|gangs?|knife|"
        r"knives|violence|county lines|domestic abuse|remand|magistrates?|bail|youth offending|"
        r"yots?|yjb|secure training|imprisonment|penal|convict\w*|law|legal)\b",
        re.I,
    ),
    "children_young_people": re.compile(
        r"\b(child\w*|young people|young person|youth|school\w*|pupil\w*|education\w*|"
        r"early years|adopt\w*|foster\w*|care leavers?|looked after|kinship|"
        r"safeguarding children|send|special educational needs|teen\w*|parent\w*|famil\w*|"
        r"bab(y|ies)|infants?|newborns?|nurser\w*|teach\w*|classroom|attainment|disadvantaged|"
        r"care proceedings|cafcass|social mobility|universit\w*|students?|apprentice\w*|"
        r"young carers?|childhood|adolescen\w*|ofsted|early help|early intervention|"
        r"exploitation)\b",
        re.I,
    ),
    "adult_social_care_health": re.compile(
        r"\b(nhs|health\w*|social care|adult\w*|care homes?|carers?|dementia|hospital\w*|"
        r"mental health|older people|patients?|clinical|workforce|gps?|general practice|"
        r"primary care|integrated care|icbs?|icss?|waiting (lists?|times)|elective|a&e|nurs\w*|"
        r"doctors?|care workers?|domiciliary|home care|learning disabilit\w*|autis\w*|"
        r"public health|diseases?|vaccin\w*|infect\w*|cqc|adass|self-fund\w*|cost of care|"
        r"long-term conditions|medic\w*|pharmac\w*|cancer|ageing|disabled people|"
        r"care and support|care act)\b",
        re.I,
    ),
}
#: Category vocabulary. ``keyword_category`` uses the first two (anything else is a report);
#: the model also reads the hit counts of all three.
CATEGORY_WORDS: dict[str, re.Pattern[str]] = {
    "tools_guidance": re.compile(
        r"\b(guidance|guide\w*|toolkit|framework|standards|resource\w*|practical|how to|tool\w*|"
        r"handbook|manual|checklist|templates?|principles|protocol|code of practice|"
        r"procedures?|good practice|effective practice|best practice|practice guide|advice for|"
        r"e-learning|learning resource)\b",
        re.I,
    ),
    "briefings": re.compile(
        r"\b(briefing\w*|summary|letter|response|responds|statement|consultation|position|"
        r"factfile|evidence submitted|written evidence|submission|memorandum|blog|explainer|"
        r"explained|what is|key messages|commentary|long read|at a glance|in brief|q&a|facts)\b",
        re.I,
    ),
    "reports": re.compile(
        r"\b(report|research|evaluation|review|inspection|analysis|statistics|survey|study|"
        r"findings|trends|data|bulletin|index|audit|census|estimates)\b",
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
