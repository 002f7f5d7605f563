"""`make bench`'s HTTP mode: the production shape (gunicorn, DEBUG off, the collectstatic manifest) on the bench
database, driven by wrk at 1 and 10 concurrent clients, with the server's and PostgreSQL's CPU per request.

- `server.py` starts gunicorn and reads processes' CPU time from /proc;
- `load.py` runs wrk (closed loop: each client sends its next request when the last answered) with a Lua script
  that reports p50/p95/p99 and counts the answers that were not 2xx;
- `cases.py` says what is measured, as whom, and runs it for one scale.
"""
