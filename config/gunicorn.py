"""gunicorn's settings for the site: `gunicorn -c config/gunicorn.py config.wsgi`.

Used by the Dockerfile (so docker-compose) and by bench/load.py and bench/fault.py, so the
figures in bench/README.md are those of this set-up. Each setting can be changed from the
environment (GUNICORN_*), as a container's would be.

Threads, not sync workers: a sync worker is held for the whole of a response, so two slow
CSV downloads on a two-worker server left nothing to answer anyone else. A gthread worker
serves `threads` requests at once, and a worker's threads share its page cache. Pages are
mostly PostgreSQL's time and a little Python: with the GIL, more threads than this only
queue for it. Exports are capped besides (EXPORT_CONCURRENCY, inspections.views).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One process a core: Python runs one thread at a time in each.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count()))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Connections waiting beyond the threads' reach queue in the kernel, not in a worker.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# A request still running after this is killed with its worker: no page should come near
# (tests/test_bounds.py holds each under 5 s for a 10,000-finding letter).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Keep-alive lets a browser fetch the page's CSS and script on the same connection.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# No max_requests: a worker recycled under load stopped reading the keep-alive
# connections it held while a slow download kept it alive, and their next requests waited
# 10 s for nothing (bench/load.py --slow-downloads 2, 50 such errors). Nothing a worker
# holds grows without bound: the page cache is capped.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
