"""Pulse Curator: finds, sorts and drafts publications for a monthly policy digest."""

__version__ = "0.1.0"
