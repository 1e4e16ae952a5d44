"""Items an editor brings in by hand: adding a publication by its link (``curator item add``,
``/pulse add``, the **Add to Pulse** shortcut), and reading the proposal of an item an editor
accepted. The command and the Slack handlers are thin shells around :mod:`curator.items.add`
and :mod:`curator.items.propose`.
"""
