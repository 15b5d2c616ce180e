#!/usr/bin/python3
"""make bench: what `make verify` and `make verify-deep` cost.

Runs proofs/verify.py once per suite (default; deep: the liveness of
every configuration), and with --writers3 every configuration's safety
search with three writers (-D N_USERS=3: 15 times the states of two in
path's; minutes per configuration), and writes to bench/results.md (and
prints) the wall time, and per configuration and search the states
stored, time and memory. Numbers, not pass/fail: nothing here is enforced.
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


def writers3_args():
    """Each configuration's safety search (every property it checks) with
    three writers; not those that fix their own number of writers (mdev)."""
    sys.path.insert(0, os.path.join(ROOT, "proofs"))
    import spinrun  # noqa: E402 (the proofs' own loaders)
    safety = [p.name for p in spinrun.load_properties() if spinrun.MODE_SEARCH[p.mode] == "safety"]
    configs = [c for c, defines in spinrun.load_suite("default") if not any("N_USERS" in d for d in defines)]
    return ["-D", "N_USERS=3", "--depth", "2000000", *[a for c in configs for a in ("--config", c)],
            *[a for p in safety for a in ("--property", p)]]


def run(suite, extra=(), label=None):
    """One cold run: an empty cache (no compiled verifier, no result kept)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out, tempfile.TemporaryDirectory() as cache:
        start = time.monotonic()
        proc = subprocess.run([sys.executable, VERIFY, "--suite", suite, *extra, "--skip-generated-check",
                               "--fresh", "--json", out.name], capture_output=True, text=True,
                              env=dict(os.environ, VFIO_CCW_CACHE=cache))
        wall = time.monotonic() - start
        data = json.load(open(out.name, encoding="utf-8"))
    return {"suite": label or suite, "wall": wall, "first": data["first_verdict_seconds"], "ok": proc.returncode == 0,
            "runs": data["runs"], "summary": proc.stdout.strip().splitlines()[-1]}


def table(result):
    lines = [f"### suite {result['suite']}: {result['wall']:.0f} s wall (every safety search done at "
             f"{result['first']:.0f} s), "
             f"{'all pass' if result['ok'] else 'FAILED'}", "",
             "| config | search | claim | states | time | memory |", "|---|---|---|---:|---:|---:|"]
    for r in result["runs"]:
        lines.append(f"| {r['config']} | {r['search']} | {r['claim'] or '-'} | {r['states']:,} | "
                     f"{r['seconds']:.1f} s | {r['memory_mb']:.0f} MB |")
    cpu = sum(r["seconds"] for r in result["runs"])
    peak = max(r["memory_mb"] for r in result["runs"])
    lines += ["", f"CPU in pan: {cpu:.0f} s; peak memory of one run: {peak:.0f} MB; {result['summary']}", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", help="default, deep (both unless given)")
    parser.add_argument("--writers3", action="store_true", help="also the three writers' safety searches")
    args = parser.parse_args()
    results = [run(s) for s in args.suite or ["default", "deep"]]
    if args.writers3:
        results.append(run("default", writers3_args(), "default, safety with three writers (N_USERS=3)"))
    text = "\n".join([
        "# make verify: cost per suite",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, {platform.python_version()}; "
        f"written by `make bench` on {time.strftime('%Y-%m-%d')}. Each suite cold: an empty cache, "
        "every verifier compiled, no result reused.",
        "",
        *[table(r) for r in results]])
    print(text)
    with open(RESULTS, "w", encoding="utf-8") as handle:
        handle.write(text)
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
