#!/usr/bin/python3
"""make verify: prove every property of proofs/properties.toml on the model.

Runs the suite's configurations (proofs/suites.toml), three searches each
(safety with a monitor of every invariant, liveness as one conjunction,
non-progress), prints one row per property and configuration, one per
search (states, depth, time, memory), the table as a grid of the cells
each configuration dispatched, and a readable counterexample for each
failure. Exits non-zero if a property fails, a cell is never dispatched
without being marked UNREACHABLE(), or generated/ is stale.
"""

import argparse
import dataclasses
import json
import os
import re
import sys
import tempfile
import time
import tomllib

import spinrun

sys.path.insert(0, os.path.join(spinrun.ROOT, "codegen"))
import fsmgen  # noqa: E402


def columns(rows, right_from=1):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i < right_from else cell.rjust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdicts(props, runs, configs):
    """property -> config -> 'pass' / 'FAIL' / 'refuted' / '-'."""
    table = {}
    for prop in props:
        row = {}
        for config, _ in configs:
            mine = [r for r in runs if r.config == config and r.search == spinrun.MODE_SEARCH[prop.mode]]
            if prop.mode == "limit":
                mine = [r for r in mine if r.claim == prop.name]
                row[config] = ("refuted" if not mine[0].passed else "HOLDS") if mine else "-"
            elif prop.mode == "liveness":
                claim_runs = [r for r in mine if r.claim == prop.name]
                conj = [r for r in mine if r.claim == spinrun.ALL_LIVENESS]
                failed = (claim_runs and not claim_runs[0].passed) or (conj and not conj[0].passed and not claim_runs)
                row[config] = "FAIL" if failed else ("pass" if conj else "-")
            else:
                row[config] = "FAIL" if any(r.violated == prop.name for r in mine) else (
                    "pass" if mine and all(r.passed or r.violated for r in mine) else "FAIL")
        table[prop.name] = row
    return table


def grid(fsm, runs, configs):
    """The cells as rows of states, columns of events: which configurations
    dispatched each (by initial), or why none can."""
    initials = {config: config[0] for config, _ in configs}
    hits = {}
    for run in runs:
        if run.search == "safety":
            for key, n in run.cells.items():
                if n:
                    hits.setdefault(key, set()).add(initials[run.config])
    rows = [["state \\ event", *fsm.event_names]]
    missing = []
    for s, state in enumerate(fsm.state_names):
        row = [state]
        for e, event in enumerate(fsm.event_names):
            who = "".join(sorted(hits.get((s, e), ())))
            if (state, event) in fsm.unreachable:
                row.append("unreachable" if not who else "MARKED:" + who)
            else:
                row.append(who or "NEVER")
                if not who:
                    missing.append(f"{state} x {event}")
        rows.append(row)
    legend = ", ".join(f"{i}: {c}" for c, i in initials.items())
    return columns(rows, right_from=99), legend, missing


def write_cells(fsm, runs, configs):
    """build/model-cells.json: per cell, the initials of the configurations
    that dispatched it, or "unreachable"; make qemu-check prints it beside
    the cells the running module dispatched."""
    initials = {config: config[0] for config, _ in configs}
    cells = {}
    for s, state in enumerate(fsm.state_names):
        for e, event in enumerate(fsm.event_names):
            who = "".join(sorted({initials[r.config] for r in runs
                                  if r.search == "safety" and r.cells.get((s, e))}))
            cells[f"{state} {event}"] = "unreachable" if (state, event) in fsm.unreachable else who
    os.makedirs(os.path.join(spinrun.ROOT, "build"), exist_ok=True)
    with open(os.path.join(spinrun.ROOT, "build", "model-cells.json"), "w", encoding="utf-8") as handle:
        json.dump({"states": fsm.state_names, "events": fsm.event_names, "cells": cells}, handle, indent=1)


EXEMPTIONS = os.path.join(spinrun.ROOT, "proofs", "exemptions.toml")
EXEMPTION_KEYS = {"name", "file", "function", "does", "why"}


def load_exemptions(path=EXEMPTIONS):
    """proofs/exemptions.toml, checked: each names a function still in its file."""
    rel = os.path.relpath(path, spinrun.ROOT)
    try:
        with open(path, "rb") as handle:
            entries = tomllib.load(handle).get("exemption", [])
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise spinrun.SpinError(f"{rel}: {err}") from err
    for n, entry in enumerate(entries, 1):
        where = f"{rel}: exemption {n} ({entry.get('name', 'no name')})"
        if set(entry) != EXEMPTION_KEYS:
            raise spinrun.SpinError(f"{where}: keys must be {sorted(EXEMPTION_KEYS)}, not {sorted(entry)}")
        try:
            with open(os.path.join(spinrun.ROOT, entry["file"]), encoding="utf-8") as handle:
                code = handle.read()
        except OSError as err:
            raise spinrun.SpinError(f"{where}: {err}") from err
        if not re.search(rf"^\S.*\b{re.escape(entry['function'])}\(", code, re.M):
            raise spinrun.SpinError(f"{where}: {entry['function']}() is not defined in {entry['file']}: "
                                    "update or drop the exemption")
    return entries


def lockstep_gaps(fsm, runs):
    """Per safety run: the cells the model dispatched that the kernel never ran."""
    gaps = []
    for run in runs:
        if run.search != "safety":
            continue
        for (s, e), n in sorted(run.cells.items()):
            if n and not run.lockstep.get((s, e)):
                gaps.append(f"{run.config}: {fsm.state_names[s]} x {fsm.event_names[e]} dispatched "
                            "by the model, never run by the kernel")
    return gaps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=spinrun.MODEL)
    parser.add_argument("--suite", default="default", help="a suite of proofs/suites.toml (default, deep)")
    parser.add_argument("--config", action="append", help="run only this configuration (repeatable)")
    parser.add_argument("-D", "--define", action="append", default=[],
                        help="model parameter for every configuration, e.g. -D N_USERS=3")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--hash-bits", type=int, default=spinrun.HASH_BITS, help="pan -w")
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
        configs = spinrun.load_suite(args.suite)
        exemptions = load_exemptions()
    except (spinrun.fsmtable.TableError, spinrun.SpinError) as err:
        print(err, file=sys.stderr)
        return 1
    if args.config:
        configs = [c for c in configs if c[0] in args.config]
    configs = [(name, defines + [f"-D{d}" for d in args.define]) for name, defines in configs]
    problems = spinrun.check_claims_listed(props, text)
    if not args.skip_generated_check:
        problems += fsmgen.stale(fsmgen.render(fsm))
    if problems:
        print("\n".join(f"verify: {p}" for p in problems), file=sys.stderr)
        return 1
    limits = [p.name for p in props if p.mode == "limit"]
    liveness = [p.name for p in props if p.mode == "liveness"]
    model = spinrun.with_checkers(text, props)

    workdir = args.workdir or tempfile.mkdtemp(prefix="vfio-ccw-verify-")
    try:
        binaries, jobs = {}, []
        live_configs, limit_configs = spinrun.suite_searches(args.suite)
        for config, defines in configs:
            live, limit = config in live_configs, config in limit_configs
            searches = ["safety", "progress"] + (["liveness"] if live or limit else [])
            binaries[config] = spinrun.build(os.path.join(workdir, config), model, defines, searches, args.jobs)
            jobs += [(config, "safety", binaries[config]["safety"], defines, ""),
                     (config, "progress", binaries[config]["progress"], defines, "")]
            if live:
                jobs.append((config, "liveness", binaries[config]["liveness"], defines, spinrun.ALL_LIVENESS))
            if limit:
                jobs += [(config, "liveness", binaries[config]["liveness"], defines, name) for name in limits]
        built = time.monotonic()
        runs = spinrun.run_all(jobs, args.jobs, args.hash_bits)
        # a failed conjunction: each liveness claim alone, to name it
        again = [(r.config, "liveness", binaries[r.config]["liveness"], dict(configs)[r.config], name)
                 for r in runs if r.claim == spinrun.ALL_LIVENESS and not r.passed for name in liveness]
        runs += spinrun.run_all(again, args.jobs, args.hash_bits)
    except spinrun.SpinError as err:
        print(err, file=sys.stderr)
        return 1

    params = ", ".join(args.define) or "defaults"
    print(f"model {os.path.relpath(args.model)} ({params}), suite {args.suite}: {len(fsm.states)} states, "
          f"{len(fsm.events)} events, {len(fsm.cells)} cells ({len(fsm.unreachable)} marked unreachable)")
    table = verdicts(props, runs, configs)
    rows = [("property", "mode", *[c for c, _ in configs])]
    rows += [(p.name, p.mode, *[table[p.name][c] for c, _ in configs]) for p in props]
    print(columns(rows, right_from=2))
    print()
    rows = [("config", "search", "claim", "result", "states", "depth", "time", "memory")]
    for r in runs:
        rows.append((r.config, r.search, r.claim or "-", "pass" if r.passed else "fail", str(r.states),
                     str(r.depth), f"{r.seconds:.2f} s", f"{r.memory_mb:.0f} MB"))
    print(columns(rows, right_from=4))
    cells, legend, missing = grid(fsm, runs, configs)
    if args.config:  # coverage is the whole suite's
        missing = []
    print(f"\ncells dispatched, by configuration ({legend}):\n{cells}")
    for (state, event), why in sorted(fsm.unreachable.items()):
        print(f"  unreachable {state} x {event}: {why}")

    ran = ", ".join(f"{r.config} {sum(1 for n in r.lockstep.values() if n)}" for r in runs if r.search == "safety")
    print(f"\nkernel_refines_model: cells the kernel's own action ran beside the model, by configuration: {ran}")
    print("not run in lockstep (proofs/exemptions.toml):")
    for entry in exemptions:
        print(f"  {entry['function']}() ({entry['file']}): {entry['does']}\n    why: {entry['why']}")
    gaps = lockstep_gaps(fsm, runs)

    failed = [(p.name, c) for p in props for c, _ in configs if table[p.name][c] in ("FAIL", "HOLDS")]
    shown = set()
    for r in runs:
        if r.passed or r.claim == spinrun.ALL_LIVENESS or r.claim in limits or (r.violated, r.config) in shown:
            continue
        shown.add((r.violated, r.config))
        print(f"\n{r.violated} FAILED in {r.config} ({r.search}): {r.problem}")
        if r.trail:
            for n, step in enumerate(spinrun.counterexample(r, fsm), 1):
                print(f"  {n:3}. {step}")
            print(f"  (trail: {r.trail})")
    for name, config in failed:
        if table[name][config] == "HOLDS":
            print(f"\n{name} HOLDS in {config}: the known limit is gone; update properties.toml and README")
    for cell in missing:
        print(f"\nverify: cell {cell} was dispatched in no configuration and is not marked UNREACHABLE()")
    for gap in gaps:
        print(f"\nverify: {gap}")
    if args.suite == "default" and not args.config and not args.define:
        write_cells(fsm, runs, configs)
    total = time.monotonic() - started
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"suite": args.suite, "defines": args.define, "build_seconds": built - started,
                       "wall_seconds": total, "runs": [dataclasses.asdict(r) | {"cells": len(r.cells)}
                                                        for r in runs]}, handle, indent=1)
    checks = sum(v != "-" for row in table.values() for v in row.values())
    bad = len(failed) + len(missing) + len(gaps)
    print(f"\n{checks - len(failed)} passed, {bad} failed "
          f"(property x configuration, '-' not run: {len(configs)} configurations, {len(runs)} pan runs; "
          f"build {built - started:.1f} s, total {total:.1f} s wall)")
    if not args.workdir and not bad:
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
