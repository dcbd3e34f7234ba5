"""Translation helpers shared by views and plain-Python modules."""


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message
