#!/usr/bin/python3
"""make verify: prove every property of proofs/properties.toml on the model.

Prints one row per property (result, states stored, depth, time, memory),
a readable counterexample for each failure, and exits non-zero if any
property fails or generated/ is stale.
"""

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time

import spinrun

sys.path.insert(0, os.path.join(spinrun.ROOT, "codegen"))
import fsmgen  # noqa: E402


def table(results):
    rows = [("property", "mode", "result", "states", "depth", "time", "memory")]
    for r in results:
        rows.append((r.name, r.mode, "pass" if r.passed else "FAIL", f"{r.states}", f"{r.depth}",
                     f"{r.seconds:.2f} s", f"{r.memory_mb:.0f} MB"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i < 3 else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=spinrun.MODEL)
    parser.add_argument("--only", action="append", help="run only this property (repeatable)")
    parser.add_argument("-D", "--define", action="append", default=[],
                        help="model parameter, e.g. -D N_USERS=3")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--hash-bits", type=int, default=22, help="pan -w")
    parser.add_argument("--workdir", help="keep binaries and trails here (default: a temporary directory)")
    parser.add_argument("--skip-generated-check", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    started = time.monotonic()
    with open(args.model, encoding="utf-8") as handle:
        text = handle.read()
    try:
        fsm = spinrun.fsmtable.parse(args.model, text)
        props = spinrun.load_properties()
    except (spinrun.fsmtable.TableError, spinrun.SpinError) as err:
        print(err, file=sys.stderr)
        return 1
    problems = spinrun.check_claims_listed(props, text)
    if args.only:
        unknown = set(args.only) - {p.name for p in props}
        problems += [f"--only {name}: no such property" for name in sorted(unknown)]
        props = [p for p in props if p.name in args.only]
    if not args.skip_generated_check:
        problems += fsmgen.stale(fsmgen.render(fsm))
    defines = [f"-D{d}" for d in args.define]

    workdir = args.workdir or tempfile.mkdtemp(prefix="vfio-ccw-verify-")
    try:
        needed = sorted({spinrun.MODES[p.mode][0] for p in props})
        binaries = spinrun.build(workdir, text, defines, needed, args.jobs)
        built = time.monotonic()
        results = spinrun.run_all(props, binaries, workdir, args.jobs, args.hash_bits)
    except spinrun.SpinError as err:
        print(err, file=sys.stderr)
        return 1
    params = ", ".join(args.define) or "defaults"
    print(f"model {os.path.relpath(args.model)} ({params}): {len(fsm.states)} states, "
          f"{len(fsm.events)} events, {len(fsm.cells)} cells")
    print(table(results))
    for r in results:
        if not r.passed:
            print(f"\n{r.name} FAILED: {r.problem}")
            if r.trail:
                for n, step in enumerate(spinrun.counterexample(r, fsm, defines), 1):
                    print(f"  {n:3}. {step}")
                print(f"  (trail: {r.trail})")
    for problem in problems:
        print(f"\nverify: {problem}")
    failed = [r.name for r in results if not r.passed]
    total = time.monotonic() - started
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"defines": args.define, "build_seconds": built - started, "wall_seconds": total,
                       "results": [dataclasses.asdict(r) for r in results]}, handle, indent=1)
    print(f"\n{len(results) - len(failed)} passed, {len(failed)} failed "
          f"(build {built - started:.1f} s, total {total:.1f} s wall)")
    if not args.workdir and not failed:
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
