#!/usr/bin/python3
"""make bench: `make verify` wall time, states stored and memory for 1, 2, 3 writers.

Runs proofs/verify.py on the model as it is, once per writer count, and
writes the table to bench/results.md (and prints it). Numbers, not
pass/fail: nothing here is enforced.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERIFY = os.path.join(ROOT, "proofs", "verify.py")
RESULTS = os.path.join(ROOT, "bench", "results.md")


def run(users, hash_bits):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, VERIFY, "--skip-generated-check", "-D", f"N_USERS={users}",
                               "--hash-bits", str(hash_bits), "--json", out.name],
                              capture_output=True, text=True)
        wall = time.monotonic() - start
        data = json.load(open(out.name, encoding="utf-8"))
    results = data["results"]
    slowest = max(results, key=lambda r: r["seconds"])
    return {
        "users": users, "wall": wall, "build": data["build_seconds"], "ok": proc.returncode == 0,
        "passed": sum(r["passed"] for r in results), "total": len(results),
        "states_safety": max(r["states"] for r in results if r["mode"] == "safety"),
        "states_max": max(r["states"] for r in results),
        "memory_max": max(r["memory_mb"] for r in results),
        "cpu": sum(r["seconds"] for r in results),
        "slowest": f"{slowest['name']} {slowest['seconds']:.1f} s",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    rows = []
    for users in args.users:
        rows.append(run(users, 22 if users < 3 else 26))
        print(f"N={users}: {rows[-1]['wall']:.1f} s wall", file=sys.stderr)
    lines = [
        f"# `make verify` by number of writers ({platform.machine()}, {os.cpu_count()} cores, "
        f"{time.strftime('%Y-%m-%d')})",
        "",
        "Produced by `make bench` (bench/verify_bench.py). Wall time includes `spin -a` and compiling the",
        "three pan binaries; CPU is the sum of the property runs. States: the largest count stored by a",
        "safety run (the reachable state space) and by any run (liveness and progress runs store the",
        "product with their claim).",
        "",
        "| writers | result | wall | build | property runs CPU | states (safety) | states (max) | memory (max) | slowest property |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['users']} | {r['passed']}/{r['total']} pass | {r['wall']:.1f} s | {r['build']:.1f} s | "
                     f"{r['cpu']:.1f} s | {r['states_safety']:,} | {r['states_max']:,} | "
                     f"{r['memory_max']:.0f} MB | {r['slowest']} |")
    text = "\n".join(lines) + "\n"
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
