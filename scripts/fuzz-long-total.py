#!/usr/bin/env python3
"""Adds up the long fuzzing run's calls (scripts/fuzz-long.sh's summary.txt
files, or whole OUT directories holding one; docs/Reliability.md).

    fuzz-long-total.py OUT1/summary.txt OUT2 ...

Prints one line per call and the total: executions (seed passes included,
and how many those were), wall seconds, worker-seconds, executions per
worker-second, and the findings (crashes, leaks, ooms, timeouts; hangs are
the timeouts that ran over the timeout again alone). Exits 1 when any call
found something or stopped with no summary.
"""

import sys
from pathlib import Path

SUMS = ("executions", "seed_pass", "seconds", "crashes", "leaks", "ooms",
        "timeouts", "hangs", "slow_units", "new_units")
FINDINGS = ("crashes", "leaks", "ooms", "timeouts")


def read(path):
    path = Path(path)
    if path.is_dir():
        path = path / "summary.txt"
    line = path.read_text().strip().splitlines()[-1]
    if not line.startswith("fuzz-long:"):
        raise ValueError(f"{path}: not a fuzz-long summary line: {line!r}")
    fields = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
    return path, fields


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    total = dict.fromkeys(SUMS, 0)
    worker_seconds = 0
    bad = False
    unchecked_leaks = []
    for arg in argv[1:]:
        try:
            path, f = read(arg)
        except (OSError, ValueError, IndexError) as e:
            print(f"fuzz-long-total: {arg}: {e}", file=sys.stderr)
            bad = True
            continue
        for k in SUMS:
            total[k] += int(f.get(k, 0))
        ws = int(f["seconds"]) * int(f["workers"])
        worker_seconds += ws
        if f.get("leaks_checked") == "no":
            unchecked_leaks.append(str(path))
        found = {k: f[k] for k in FINDINGS if int(f.get(k, 0))}
        bad |= bool(found)
        print(f"{path}: [{f.get('sanitizers', '?')}] "
              f"{int(f['executions']):,} executions "
              f"({int(f['seed_pass']):,} seed pass) in {f['seconds']} s x "
              f"{f['workers']} workers = {int(f['executions']) / max(ws, 1):.1f}"
              f" per worker-second; "
              + (", ".join(f"{k}={v}" for k, v in found.items())
                 if found else "nothing found"))
    print(f"total: {total['executions']:,} executions ({total['seed_pass']:,}"
          f" of them seed passes) in {total['seconds']} s of wall time, "
          f"{worker_seconds} worker-seconds "
          f"({total['executions'] / max(worker_seconds, 1):.1f} per "
          f"worker-second); crashes {total['crashes']}, leaks "
          f"{total['leaks']}, ooms {total['ooms']}, timeouts "
          f"{total['timeouts']} (hangs {total['hangs']}), slow units "
          f"{total['slow_units']}, new units {total['new_units']}")
    if unchecked_leaks:
        print("leaks not checked in: " + ", ".join(unchecked_leaks))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
