"""GDPR tools for the candidates' data: export of everything held, erasure, the retention rule."""
