"""Placements: matches and the ladder, counted against the agreement."""
