#!/usr/bin/python3
"""make bench-lockstep: what the lockstep costs the safety searches.

For each configuration of the default suite, the safety search of the
model alone (LOCKSTEP undefined: no kernel code linked, as tools/vfio-ccw
runs it) and of the model in lockstep with kernel/vfio_ccw_fsm.c, one
after the other on the same machine: states stored, state vector, time
and memory, and the ratios. Writes bench/lockstep_results.md. Numbers,
not pass/fail: nothing here is enforced.
"""

import argparse
import os
import platform
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "proofs"))
import spinrun  # noqa: E402

RESULTS = os.path.join(spinrun.ROOT, "bench", "lockstep_results.md")


def safety(workdir, text, config, defines, lockstep):
    binary = spinrun.build(os.path.join(workdir, f"{config}-{int(lockstep)}"), text, defines,
                           ["safety"], lockstep=lockstep)["safety"]
    run = spinrun.run_search(config, "safety", binary, defines)
    if not run.passed:
        sys.exit(f"bench-lockstep: {config} safety ({'lockstep' if lockstep else 'model alone'}) "
                 f"failed: {run.problem}")
    return run


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", help="only this configuration (repeatable)")
    args = parser.parse_args()
    configs = spinrun.load_suite("default")
    unknown = set(args.config or ()) - {c for c, _ in configs}
    if unknown:
        sys.exit(f"bench-lockstep: unknown configuration {', '.join(sorted(unknown))}")
    configs = [c for c in configs if not args.config or c[0] in args.config]
    with open(spinrun.MODEL, encoding="utf-8") as handle:
        text = spinrun.with_checkers(handle.read(), spinrun.load_properties())
    rows = []
    with tempfile.TemporaryDirectory(prefix="vfio-ccw-bench-lockstep-") as workdir:
        for config, defines in configs:
            print(f"bench-lockstep: {config}: the model alone, then in lockstep", flush=True)
            alone = safety(workdir, text, config, defines, False)
            paired = safety(workdir, text, config, defines, True)
            cells = sum(1 for n in paired.lockstep.values() if n)
            rows.append((config, alone, paired, cells))
    lines = ["# The lockstep's cost: safety searches, the model alone and with kernel/", "",
             f"{os.cpu_count()} cores, {platform.machine()}, {time.strftime('%Y-%m-%d')}. Written by "
             "`make bench-lockstep` (bench/lockstep_bench.py); one pan run each, one after the other. "
             "The lockstep's frame is tracked UnMatched: it is on pan's stack, not in the state vector.", "",
             "| config | states alone | states lockstep | vector (B) | time alone | time lockstep | ratio "
             "| memory alone | memory lockstep | cells run by the kernel |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for config, a, p, cells in rows:
        lines.append(f"| {config} | {a.states:,} | {p.states:,} | {a.vector} / {p.vector} | {a.seconds:.2f} s "
                     f"| {p.seconds:.2f} s | {p.seconds / a.seconds:.2f} | {a.memory_mb:.0f} MB "
                     f"| {p.memory_mb:.0f} MB | {cells} |")
    total_a = sum(a.seconds for _, a, _, _ in rows)
    total_p = sum(p.seconds for _, _, p, _ in rows)
    lines += ["", f"Total pan time: {total_a:.1f} s alone, {total_p:.1f} s in lockstep "
              f"(ratio {total_p / total_a:.2f})."]
    report = "\n".join(lines) + "\n"
    print(report)
    if not args.config:
        with open(RESULTS, "w", encoding="utf-8") as handle:
            handle.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
