"""The house's apostrophes (pure: no I/O).

The reference edition writes every apostrophe straight ("children's", "parents' views") and
keeps curly single marks for quotation ("1 NEL admission ‘avoided’ was shown"). Feeds and the
editors' own keyboards (Slack on a Mac makes them curly) mix the two, so one edition printed
"children's" and "children’s" a few lines apart. The draft prints the house's form; what is
stored, searched and quoted from a publication is left as it came.
"""

from __future__ import annotations

#: Characters used as an apostrophe: the right single quotation mark and the modifier letter
#: apostrophe (some publishers' content systems write it).
_APOSTROPHES = frozenset("\u2019\u02bc")
_OPENING_QUOTE = "\u2018"


def house_apostrophes(text: str) -> str:
    """``text`` with each curly apostrophe made straight, its curly quotation marks kept.

    A right single mark between two letters or digits ("children’s", "don’t", "1990’s") is an
    apostrophe. One after a word and before anything else closes a quotation when a left mark
    ("‘") is still open in the text ("‘avoided’ was"), and is a plural possessive otherwise
    ("parents’ views"). One after punctuation ("‘avoided?’") closes an open quotation too, so
    that a possessive after it is still an apostrophe. One that starts a word ("’90s") is left
    as it is: it could open a quotation that a feed wrote with the wrong mark.
    """
    if not _APOSTROPHES.intersection(text):
        return text
    out: list[str] = []
    open_quotes = 0
    last = len(text) - 1
    for i, char in enumerate(text):
        if char == _OPENING_QUOTE:
            open_quotes += 1
        elif char in _APOSTROPHES and i > 0 and text[i - 1].isalnum():
            inside_word = i < last and text[i + 1].isalnum()
            if inside_word or not open_quotes:
                char = "'"
            else:
                open_quotes -= 1  # closes the quotation
        elif char in _APOSTROPHES and open_quotes and i > 0 and not text[i - 1].isspace():
            open_quotes -= 1  # closes the quotation after its punctuation ("‘avoided?’")
        out.append(char)
    return "".join(out)
