"""gunicorn settings for Byg Op: `gunicorn -c gunicorn.conf.py wsgi:app`.

Sync workers, one per CPU core by default: every request is short, database-bound work
(SQLite or PostgreSQL) and rendering, so more workers than cores only adds memory and context
switches. Settings given on the command line override these.

Environment:
    GUNICORN_BIND            address to listen on (default 127.0.0.1:$PORT, PORT default 8000)
    GUNICORN_WORKERS         number of workers (default: the number of CPU cores)
    GUNICORN_MAX_REQUESTS    recycle a worker after this many requests (default 10000; 0 = never)
    GUNICORN_PRELOAD         1 (default): load the app once in the master, workers are forks
"""

import os

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# The cores this process may run on (respects CPU affinity, unlike os.cpu_count()).
workers = int(os.environ.get("GUNICORN_WORKERS") or len(os.sched_getaffinity(0)) or 1)
worker_class = "sync"
# The app (1.5 s of CPU to import and set up) is loaded once, in the master, with its templates
# compiled (`warm_up` in wsgi.py); a worker, first or replaced, is a fork of it and serves at
# once. Loading it in every worker instead cost each replacement those 1.5 s.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# A guard against slow memory growth (e.g. fragmentation after many .docx builds): a worker is
# replaced after about 10,000 requests (memory stays flat over thousands of downloads: README,
# Performance); the jitter keeps the workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
timeout = 60
graceful_timeout = 10
accesslog = None  # a TLS proxy in front keeps the access log


def post_fork(server, worker):
    """A worker must not share the master's database connections (there should be none: the
    master only imported the app), so each engine's pool starts empty in the worker."""
    if not preload_app:
        return
    from app.extensions import db
    from wsgi import app

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def when_ready(server):
    """In the master, before the first fork: compile every template once, so that no worker
    (and no replaced one) compiles them again on its first requests."""
    if not preload_app:
        return
    from wsgi import app

    environment = app.jinja_env
    for name in environment.list_templates(extensions=("html", "txt", "ics", "xml")):
        environment.get_template(name)
