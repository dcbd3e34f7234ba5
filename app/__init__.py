"""Byg Op intranet.

The package imports nothing itself: `create_app` is loaded from `app.factory` on first use, so
that the Flask-free domain modules (counting, the clause library, the Word writer) can be
imported without Flask. `from app import create_app` works as usual.
"""


def __getattr__(name: str):
    if name == "create_app":
        from app.factory import create_app

        return create_app
    raise AttributeError(f"module 'app' has no attribute {name!r}")
