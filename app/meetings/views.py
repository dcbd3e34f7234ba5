"""Views for meetings (being written)."""
