"""The watched sources: what ``sources.yaml`` can hold, how it is loaded, validated and edited.

- :mod:`~curator.sources.model`: keys, kinds, limits, :class:`Problem`, :class:`SourcesError`;
- :mod:`~curator.sources.urls`: which URLs can be sources, duplicates, suggested ids;
- :mod:`~curator.sources.validate` and :mod:`~curator.sources.load`: reading the file, every
  problem named by file, line, source and key;
- :mod:`~curator.sources.edit`: locked, comment-keeping saves (add, enable, disable);
- :mod:`~curator.sources.check` and :mod:`~curator.sources.report`: checking sources live or
  offline and what an admin should do (``curator sources check``);
- :mod:`~curator.sources.add`: a URL to a new source (``curator sources add``, ``/pulse sources
  add``), with :mod:`~curator.sources.probe` showing what a fetched URL holds.

This module re-exports the names the rest of the code base uses. It stays light: the modules
above import only the standard library and :mod:`curator.records` when loaded; ruamel.yaml, the
fetcher and the parsers are imported inside the functions that need them, and ``check``,
``report``, ``add`` and ``probe`` are not imported here at all.
"""

from curator.sources import model
from curator.sources.edit import append_source, set_source_enabled
from curator.sources.load import load_sources, parse_sources_text
from curator.sources.model import *  # noqa: F403  (its __all__: keys, limits, problem types)
from curator.sources.urls import same_url_key, suggest_id, url_problem

__all__ = [
    "append_source",
    "load_sources",
    "parse_sources_text",
    "same_url_key",
    "set_source_enabled",
    "suggest_id",
    "url_problem",
]
__all__ += model.__all__
