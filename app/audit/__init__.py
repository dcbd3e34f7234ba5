"""The audit log: who did what to which candidate, and when; never the data itself (see log.py)."""
