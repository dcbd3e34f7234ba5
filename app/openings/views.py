"""Views for openings (being written)."""
