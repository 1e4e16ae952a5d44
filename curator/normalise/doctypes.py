"""GOV.UK document types: the labels GOV.UK prints ("Research and analysis"), how they stand in
titles, and how its APIs name them. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

#: GOV.UK ``document_type`` → the human label GOV.UK prints as ``display_type`` in organisation
#: feed titles ("Research and analysis: …") and ``<category>`` elements. From alphagov/collections
#: ``config/locales/en/shared.yml`` as quoted in docs/sources-catalogue.md ("Document types →
#: digest categories").
GOVUK_DOCUMENT_TYPE_LABELS: dict[str, str] = {
    "research": "Research and analysis",
    "independent_report": "Independent report",
    "official_statistics": "Official Statistics",
    "national_statistics": "Accredited official statistics",
    "statistical_data_set": "Statistical data set",
    "statistics_announcement": "Statistics release announcement",
    "official_statistics_announcement": "Statistics release announcement",
    "national_statistics_announcement": "Statistics release announcement",
    "policy_paper": "Policy paper",
    "impact_assessment": "Impact assessment",
    "open_consultation": "Open consultation",
    "closed_consultation": "Closed consultation",
    "consultation_outcome": "Consultation outcome",
    "open_call_for_evidence": "Open call for evidence",
    "closed_call_for_evidence": "Closed call for evidence",
    "call_for_evidence_outcome": "Call for evidence outcome",
    "government_response": "Government response",
    "written_statement": "Written statement to Parliament",
    "oral_statement": "Oral statement to Parliament",
    "case_study": "Case study",
    "international_treaty": "International treaty",
    "guidance": "Guidance",
    "detailed_guide": "Guidance",
    "statutory_guidance": "Statutory guidance",
    "form": "Form",
    "notice": "Notice",
    "regulation": "Regulation",
    "promotional": "Promotional material",
    "standard": "Standard",
    "corporate_report": "Corporate report",
    "transparency": "Transparency data",
    "foi_release": "FOI release",
    "correspondence": "Correspondence",
    "news_story": "News story",
    "press_release": "Press release",
    "world_news_story": "World news story",
    "fatality_notice": "Fatality notice",
    "speech": "Speech",
    "authored_article": "Authored article",
    "document_collection": "Collection",
    "map": "Map",
}

#: Other spellings of a label seen in titles; "National Statistics" was renamed "Accredited
#: official statistics" in 2023 and both mean the same type (docs/sources-catalogue.md, the
#: same section).
_LABEL_ALIASES: dict[str, str] = {"national statistics": "Accredited official statistics"}

#: Lower-cased title prefix → canonical label.
_KNOWN_PREFIXES: dict[str, str] = {
    **{label.lower(): label for label in GOVUK_DOCUMENT_TYPE_LABELS.values()},
    **_LABEL_ALIASES,
}


def document_type_label(label: str | None) -> str | None:
    """The canonical spelling of a known GOV.UK display type, or ``None`` if it is not one."""
    if not label:
        return None
    return _KNOWN_PREFIXES.get(" ".join(label.split()).lower())


def split_document_type(title: str) -> tuple[str | None, str]:
    """``"Research and analysis: Foo"`` → ``("Research and analysis", "Foo")``.

    Only the GOV.UK display-type labels above are split off, on the first ``": "``; an ordinary
    colon title ("Care Act 2014: 10 Years On", "Domperidone: risks") comes back whole.
    """
    head, sep, rest = title.partition(":")
    label = document_type_label(head) if sep else None
    rest = rest.strip()
    if label is None or not rest:
        return None, title.strip()
    return label, rest


def document_type_from_govuk_api(data: dict[str, Any]) -> str | None:
    """The display label for a GOV.UK Content/Search API item (``document_type`` or
    ``content_store_document_type``), e.g. ``"research"`` → ``"Research and analysis"``."""
    for key in ("document_type", "content_store_document_type"):
        value = data.get(key)
        if isinstance(value, str) and value in GOVUK_DOCUMENT_TYPE_LABELS:
            return GOVUK_DOCUMENT_TYPE_LABELS[value]
    display = data.get("display_type")
    return document_type_label(display) if isinstance(display, str) else None
