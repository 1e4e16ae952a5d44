"""The house's apostrophes in the draft: straight, with curly quotation marks kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from curator.edition.assemble import DraftItem, assemble
from curator.edition.render_md import render_markdown
from curator.edition.typography import house_apostrophes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("children’s services", "children's services"),
        ("don’t, won’t", "don't, won't"),
        ("the 1990’s", "the 1990's"),
        ("parents’ views", "parents' views"),
        ("the parents’.", "the parents'."),
        ("modifier letter: childrenʼs", "modifier letter: children's"),
        # Quotation marks stay curly, an apostrophe inside them is made straight.
        ("1 NEL admission ‘avoided’ was shown", "1 NEL admission ‘avoided’ was shown"),
        ("‘children’s services’ matter", "‘children's services’ matter"),
        ("‘Assessment of Child’", "‘Assessment of Child’"),
        # After a quotation closes, a possessive is an apostrophe again.
        ("‘a’ and the teachers’ pay", "‘a’ and the teachers' pay"),
        # A quotation closed after its punctuation is closed: what follows is an apostrophe.
        ("‘Was it avoided?’ the parents’ views", "‘Was it avoided?’ the parents' views"),
        ("it was ‘avoided.’ The teachers’ pay", "it was ‘avoided.’ The teachers' pay"),
        # One that starts a word could be a mis-typed opening mark: left as it is.
        ("’90s music", "’90s music"),
        ("nothing to do: children's", "nothing to do: children's"),
        ("", ""),
    ],
)
def test_house_apostrophes(text: str, expected: str) -> None:
    assert house_apostrophes(text) == expected


def test_the_draft_prints_one_apostrophe_where_feeds_and_editors_mixed_them() -> None:
    def item(
        n: int, publisher: str, title: str, summary: str, findings: tuple[str, ...]
    ) -> DraftItem:
        return DraftItem(
            item_id=n,
            publisher=publisher,
            title=title,
            url=f"https://example.org/{n}?q=it’s",
            summary=summary,
            key_findings=findings,
            sector="children_young_people",
            category="reports",
            position=None,
            accepted_at=datetime(2024, 6, n, tzinfo=UTC),
            lead_in="The Commissioner’s findings:",
        )

    edition = assemble(
        "2024-06",
        [
            item(
                1,
                "Children’s Commissioner",
                "Children’s views",
                "Children’s ‘voice’ matters.",
                ("Parents’ trust fell.",),
            ),
            item(2, "Children's Society", "Children's lives", "Children's lives.", ()),
        ],
    )
    text = render_markdown(edition)
    # Those left are the two links', printed as they came (below).
    assert text.replace("‘voice’", "").replace("?q=it’s)", "").count("’") == 0
    assert "Children's Commissioner. Children's views." in text
    assert "Children's ‘voice’ matters." in text
    assert "Parents' trust fell." in text
    assert "The Commissioner's findings:" in text
    # A link is printed as it came: the draft changes prose, never an address.
    view = edition.sections[0].categories[0].entries[0]
    assert view.link == "https://example.org/1?q=it’s"
