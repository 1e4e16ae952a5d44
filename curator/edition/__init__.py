"""The draft edition: which edition an item belongs to, assembly (pure) and rendering."""
