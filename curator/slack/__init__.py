"""Slack triage: cards, one-click decisions, the outbox, HTTP and Socket Mode.

``blocks`` and ``limits`` are pure; ``cards`` reads the store; ``outbox`` posts; ``app`` holds the
Bolt handlers shared by HTTP mode (``curator.web``) and ``socket`` (Socket Mode).
"""
