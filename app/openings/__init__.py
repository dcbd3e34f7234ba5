"""Openings: contractors report job and apprenticeship openings; coordinators match them."""
