"""gunicorn settings for Byg Op: `gunicorn -c gunicorn.conf.py wsgi:app`.

Sync workers, one per CPU core by default: every request is short, database-bound work
(SQLite or PostgreSQL) and rendering, so more workers than cores only adds memory and context
switches. Settings given on the command line override these.

Environment:
    GUNICORN_BIND            address to listen on (default 127.0.0.1:$PORT, PORT default 8000)
    GUNICORN_WORKERS         number of workers (default: the number of CPU cores)
    GUNICORN_MAX_REQUESTS    recycle a worker after this many requests (default 1000; 0 = never)
"""

import os

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# The cores this process may run on (respects CPU affinity, unlike os.cpu_count()).
workers = int(os.environ.get("GUNICORN_WORKERS") or len(os.sched_getaffinity(0)) or 1)
worker_class = "sync"
# A guard against slow memory growth (e.g. fragmentation after many .docx builds): a worker is
# replaced after about 1000 requests; the jitter keeps the workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = 100 if max_requests else 0
timeout = 60
graceful_timeout = 10
accesslog = None  # a TLS proxy in front keeps the access log
