"""The hello route: a minimal Flask app, the limit the app's pages are measured against.

    .venv/bin/gunicorn --workers 2 --chdir bench hello:app

One route, no extensions, no session, no database: what Flask, Werkzeug and gunicorn cost on
their own. bench/wrk_bench.py starts it beside the real app and reports every page as a share
of its throughput.
"""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello"


@app.get("/healthz")
def healthz():  # the bench's readiness check, as for the real app
    return {"status": "ok"}
