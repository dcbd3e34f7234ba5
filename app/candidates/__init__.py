"""Candidates: registration, consent, sensitive notes and the conversation log."""
