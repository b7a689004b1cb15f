"""Run every benchmark under bench/ with its defaults (``tox -e bench`` calls this).

Each benchmark prints its own numbers, measured as ratios against a baseline in the
same run (never a timed assertion). Extra arguments are passed to every benchmark
that accepts them, e.g. ``python bench/run.py --agents 1000``.
"""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ["finesse_latency", "broker_scaleout", "readyz", "sim_frame_cost", "failover", "scale", "observation"]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    failed = 0
    for name in BENCHES:
        print(f"=== {name}")
        t0 = time.monotonic()
        try:
            load(name).main(argv)
        except SystemExit as exc:  # argparse refusing an argument meant for another bench
            if exc.code:
                failed += 1
        except Exception as exc:  # report and go on with the next benchmark
            failed += 1
            print(f"{name} failed: {exc!r}", file=sys.stderr)
        print(f"=== {name}: {time.monotonic() - t0:.1f} s\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
