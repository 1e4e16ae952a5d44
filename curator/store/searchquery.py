"""What a user typed into a search, as words the full-text index can match (pure, no I/O).

Users type plain words, not a query language. Whatever they type (quotes, ``*``, ``-``, ``NEAR``,
``AND``, brackets, column filters, control characters) becomes a list of words: runs of letters
and digits, the same units SQLite's ``unicode61`` tokenizer and the PostgreSQL index (whose
joining separators the migration turns into spaces) split titles into. Each word is then quoted
for the engine, so no input can be a syntax error or an operator: every word must match, and the
last one, when it is long enough, matches as a prefix ("care hom" finds "care homes").

Common words ("the", "of", "and"…) are left out on both databases: PostgreSQL's ``english``
configuration does not index them, and leaving them out of SQLite's query too gives the same
answers on both.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from dataclasses import dataclass

#: At most this many words are searched (the rest of a pasted paragraph is ignored).
MAX_WORDS = 32
#: The last word matches as a prefix from this many characters: a one- or two-letter prefix
#: matches a large part of the vocabulary and finds nothing useful.
PREFIX_FROM = 3

_WORD = re.compile(r"[^\W_]+")

#: PostgreSQL 15's english.stop (share/tsearch_data, from the Snowball project): the words its
#: ``english`` text search configuration leaves out of documents and queries.
_ENGLISH_STOP = """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself
    she her hers herself it its itself they them their theirs themselves what which who whom this
    that these those am is are was were be been being have has had having do does did doing a an
    the and but if or because as until while of at by for with about against between into through
    during before after above below to from up down in out on off over under again further then
    once here there when where why how all any both each few more most other some such no nor not
    only own same so than too very s t can will just don should now
"""
STOP_WORDS = frozenset(_ENGLISH_STOP.split())


@dataclass(frozen=True)
class SearchWords:
    """The words of a search, lower-cased, without common words or repeats, in typed order."""

    words: tuple[str, ...]
    #: The last word matches any word it begins.
    prefix: bool

    def __bool__(self) -> bool:
        return bool(self.words)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: each word a quoted string (never an operator), all
        required (FTS5's implicit AND)."""
        quoted = [f'"{w}"' for w in self.words]  # a word has no quote in it: letters, digits
        if self.prefix:
            quoted[-1] += "*"
        return " ".join(quoted)

    def tsquery(self) -> str:
        """A PostgreSQL ``to_tsquery`` text: each word a quoted lexeme, joined by ``&``."""
        quoted = [f"'{w}'" for w in self.words]
        if self.prefix:
            quoted[-1] += ":*"
        return " & ".join(quoted)


def parse_query(text: str) -> SearchWords:
    """The words of ``text`` to search for; empty when it has none worth searching."""
    words: list[str] = []
    # NFKC: full-width letters, ligatures and composed accents typed or pasted become the plain
    # letters titles are written in.
    for match in _WORD.finditer(unicodedata.normalize("NFKC", text)):
        word = match.group().lower()
        if word not in STOP_WORDS and word not in words:
            words.append(word)
        if len(words) == MAX_WORDS:
            break
    prefix = bool(words) and len(words[-1]) >= PREFIX_FROM
    return SearchWords(tuple(words), prefix)


def find_command(words: str) -> str:
    """``curator find -- '--care & homes'``: the command that runs a search for ``words``, one
    argument quoted for a shell (`&`, `;` or an apostrophe would otherwise run as shell
    syntax), with ``--`` before words that start with two dashes (else read as an option)."""
    dashes = "-- " if words.startswith("--") else ""
    return f"curator find {dashes}{shlex.quote(words)}"
