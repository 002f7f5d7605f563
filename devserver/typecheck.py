"""`make typecheck`: mypy (with django-stubs and djangorestframework-stubs) over the apps, held to a baseline that
only shrinks. `mypy-baseline.json` records how many errors each file has today; a file with more fails, a file with
fewer says so (run with --update to record the new, lower counts). crm/, touches/, cadence/ and mailroom/ are at
zero (no file of theirs is in the baseline, so any error there fails); the pages and tools are next."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "mypy-baseline.json"
ERROR = re.compile(r"^(?P<path>[\w/.-]+\.py):\d+: error: ")


def errors() -> tuple[Counter[str], str]:
    env = {**os.environ, "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "typecheck")}
    done = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    # mypy exits 0 (clean) or 1 (errors found); anything else (2: it crashed, or could not import the settings)
    # checked nothing, and must not read as "no errors".
    summary = re.search(r"^(Found \d+ errors? in \d+ files?|Success: no issues found)", done.stdout, re.MULTILINE)
    if done.returncode not in (0, 1) or summary is None:
        why = f"typecheck: mypy did not run to the end (exit {done.returncode}):"
        raise SystemExit(f"{why}\n{done.stdout}{done.stderr}")
    found = Counter(match["path"] for line in done.stdout.splitlines() if (match := ERROR.match(line)))
    return found, done.stdout


def main(argv: list[str]) -> int:
    found, output = errors()
    if "--update" in argv:
        BASELINE.write_text(json.dumps(dict(sorted(found.items())), indent=1) + "\n")
        print(f"typecheck: baseline recorded, {sum(found.values())} errors in {len(found)} files")
        return 0
    allowed: dict[str, int] = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    worse = {path: (n, allowed.get(path, 0)) for path, n in found.items() if n > allowed.get(path, 0)}
    better = {path: (found.get(path, 0), n) for path, n in allowed.items() if found.get(path, 0) < n}
    if worse:
        for line in output.splitlines():
            match = ERROR.match(line)
            if match and match["path"] in worse:
                print(line)
        for path, (n, limit) in sorted(worse.items()):
            print(f"typecheck: {path} has {n} errors, the baseline allows {limit}")
        return 1
    print(f"typecheck: {sum(found.values())} errors, none beyond the baseline ({sum(allowed.values())})")
    if better:
        print(f"typecheck: {len(better)} files have fewer errors than recorded: run `make typecheck ARGS=--update`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
