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
import concurrent.futures
import dataclasses
import json
import os
import re
import sys
import tempfile
import textwrap
import time

import pipeline
import spinrun

sys.path.insert(0, os.path.join(spinrun.ROOT, "codegen"))
import fsmgen  # noqa: E402


def columns(rows, right_from=1, gap="  "):
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(gap.join(cell.ljust(w) if i < right_from else cell.rjust(w)
                              for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append(gap.join("-" * w for w in widths))
    return "\n".join(lines)


def verdicts(props, runs, configs, progress=True):
    """property -> config -> 'pass' / 'FAIL' / 'refuted' / '-' (not
    searched in this suite: its liveness and limits lists, progress = false)."""
    table = {}
    for prop in props:
        row = {}
        for config, _ in configs:
            mine = [r for r in runs if r.config == config and r.search == spinrun.MODE_SEARCH[prop.mode]]
            if prop.mode == "progress" and not progress:
                row[config] = "-"
            elif prop.mode == "limit":
                mine = [r for r in mine if r.claim == prop.name]
                row[config] = ("refuted" if not mine[0].passed else "HOLDS") if mine else "-"
            elif prop.mode == "liveness":
                claim_runs = [r for r in mine if r.claim == prop.name]
                conj = [r for r in mine if r.claim == spinrun.ALL_LIVENESS]
                failed = (claim_runs and not claim_runs[0].passed) or (conj and not conj[0].passed and not claim_runs)
                row[config] = "FAIL" if failed else ("pass" if conj or claim_runs else "-")
            else:
                # an invariant's monitor runs in the liveness searches too
                named = [r for r in runs if r.config == config and r.violated == prop.name]
                row[config] = "FAIL" if named else (
                    "pass" if mine and all(r.passed or r.violated for r in mine) else "FAIL")
        table[prop.name] = row
    return table


def coverage(fsm, runs, configs):
    """Per cell, the initials of the configurations whose safety search
    dispatched it; the legend; the cells neither dispatched nor marked
    unreachable."""
    initials = {config: config[0] for config, _ in configs}
    hits = {}
    for run in runs:
        if run.search == "safety":
            for key, n in run.cells.items():
                if n:
                    hits.setdefault(key, set()).add(initials[run.config])
    missing = [f"{state} x {event}" for s, state in enumerate(fsm.state_names)
               for e, event in enumerate(fsm.event_names)
               if (state, event) not in fsm.unreachable and not hits.get((s, e))]
    legend = ", ".join(f"{i}: {c}" for c, i in initials.items())
    return hits, legend, missing


def transposed_grid(fsm, hits):
    """The cells as rows of events, columns of states (80 columns): the
    initials of the configurations that dispatched each, '-' if marked
    unreachable, NEVER if neither."""
    rows = [["event \\ state", *fsm.state_names]]
    for e, event in enumerate(fsm.event_names):
        row = [event]
        for s, state in enumerate(fsm.state_names):
            who = "".join(sorted(hits.get((s, e), ())))
            if (state, event) in fsm.unreachable:
                row.append("-" if not who else "MARKED:" + who)
            else:
                row.append(who or "NEVER")
        rows.append(row)
    return columns(rows, right_from=99)


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
    entries = spinrun.load_toml(path).get("exemption", [])
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


def trigger_hits(selected, runs):
    """Per property with a trigger (properties.toml), and a safety search
    that ran: (property, [(config, times its trigger was reached)])."""
    safety = [r for r in runs if r.search == "safety"]
    return [(prop, [(r.config, r.witnesses.get(prop.trigger, 0)) for r in safety])
            for prop in selected if prop.trigger and safety]


def unreached_triggers(selected, runs):
    """The properties whose trigger no safety search reached: they hold
    for want of it."""
    return [f"{prop.name}: its trigger {prop.trigger} was never reached: it holds for want of it"
            for prop, hits in trigger_hits(selected, runs) if not sum(n for _, n in hits)]


def trigger_counts(selected, runs):
    """'name: trigger reached config n, ...' for each property with a trigger."""
    return [f"{prop.name}: {prop.trigger} reached {', '.join(f'{c} {n:,}' for c, n in hits)}"
            for prop, hits in trigger_hits(selected, runs)]


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


def plan(configs, props, suite, selected):
    """The searches to run, cheapest first: every safety search, then the
    progress searches, then liveness (the longest of a kind first once
    their times are known: see Pipeline.estimate)."""
    live_configs, limit_configs = spinrun.suite_searches(suite)
    modes = {p.mode for p in selected}
    if not spinrun.suite_runs_progress(suite):
        modes.discard("progress")
    invariants = {p.name for p in selected if p.mode == "invariant"}
    liveness = [p.name for p in selected if p.mode == "liveness"]
    limits = [p.name for p in selected if p.mode == "limit"]
    whole = len(selected) == len(props)
    safety, progress, live = [], [], []
    for config, defines in configs:
        if modes & {"deadlock", "invariant"}:
            # an invariant asked alone is judged without invalid end states
            extra = () if "deadlock" in modes else ("-E",)
            safety.append((pipeline.Search(config, defines, "safety", extra=extra), invariants))
        if "progress" in modes:
            progress.append(pipeline.Search(config, defines, "progress"))
        in_live, in_limit = config in live_configs, config in limit_configs
        claims = []
        if liveness and in_live:
            claims += [spinrun.ALL_LIVENESS] if whole else liveness
        if limits and in_limit:
            claims += limits
        live += [pipeline.Search(config, defines, "liveness", claim, tuple(claims)) for claim in claims]
    return safety, progress, live


class Reporter:
    """A line per search as it ends; a failure's counterexample at once; on
    a terminal, one status line under them."""

    def __init__(self, total, fsm, limits, jobs, estimate, out=sys.stdout):
        self.total, self.fsm, self.limits, self.jobs = total, fsm, limits, jobs
        self.estimate, self.out, self.done = estimate, out, 0
        self.started = time.monotonic()
        self.pending = []
        self.tty = out.isatty()
        self.shown = set()
        self.stopped = False

    def line(self, text):
        if self.stopped:
            return
        self.out.write(("\r\033[K" if self.tty else "") + text + "\n")
        self.status()

    def status(self):
        if not self.tty or self.stopped:
            return
        elapsed = time.monotonic() - self.started
        left = [self.estimate(s) for s in self.pending]
        guess = ""
        if left and all(t is not None for t in left):
            guess = f", about {max(sum(left) / self.jobs, max(left)) :.0f} s left (last run's times)"
        self.out.write(f"\r\033[K[{self.done}/{self.total}] {elapsed:.0f} s{guess}")
        self.out.flush()

    def finished(self, run):
        self.done += 1
        run.ended = time.monotonic() - self.started
        done = pipeline.label(run.config, run.search, run.claim)
        self.pending = [s for s in self.pending if s.label != done]
        expected = run.claim in self.limits
        if expected:
            verdict = "refuted" if not run.passed else "HOLDS"
        else:
            verdict = "pass" if run.passed else "FAIL"
        note = "  known limit" if expected and not run.passed else ""
        note += "  reused" if run.reused else ""
        self.line(f"{verdict:<7} {run.config:<8} {run.search:<9} {run.claim or '-':<16} "
                  f"{run.states:>10,} {run.seconds:>6.1f} s{note}")
        if not run.passed and not expected and run.claim != spinrun.ALL_LIVENESS:
            self.failure(run)
        elif not run.passed and run.claim == spinrun.ALL_LIVENESS:
            self.line("        the conjunction failed: each liveness claim alone follows, to name it")

    def failure(self, run):
        if (run.violated, run.config) in self.shown:
            return
        self.shown.add((run.violated, run.config))
        self.line(f"\n{run.violated} FAILED in {run.config} ({run.search}): {run.problem}")
        for mismatch in run.mismatches[:5]:
            self.line(f"  lockstep: {mismatch}")
        if run.trail:
            for n, step in enumerate(spinrun.counterexample(run, self.fsm), 1):
                self.line(f"  {n:3}. {step}")
            self.line(f"  (trail: {run.trail})")
        self.line("")

    def close(self):
        if self.tty and not self.stopped:
            self.out.write("\r\033[K")
            self.out.flush()


def wrap(text, indent="", width=80):
    return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent + "  ")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=spinrun.MODEL)
    parser.add_argument("--suite", default="default", help="a suite of proofs/suites.toml (default, deep)")
    parser.add_argument("--config", action="append", help="run only this configuration (repeatable)")
    parser.add_argument("--property", action="append", help="check only this property (repeatable)")
    parser.add_argument("-D", "--define", action="append", default=[],
                        help="model parameter for every configuration, e.g. -D N_USERS=3")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--hash-bits", type=int, default=spinrun.HASH_BITS, help="pan -w")
    parser.add_argument("--depth", type=int, default=spinrun.PAN_DEPTH,
                        help="pan -m: three writers need more than the default")
    parser.add_argument("--fresh", action="store_true", help="run every search, reuse no earlier result")
    parser.add_argument("--workdir", help="keep binaries and trails here (default: a temporary directory)")
    parser.add_argument("--skip-generated-check", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    started = time.monotonic()
    try:
        text = spinrun.fsmtable.read_source(args.model)
        fsm = spinrun.fsmtable.parse(args.model, text)
        props = spinrun.load_properties()
        configs = spinrun.load_suite(args.suite)
        spinrun.refuse_unknown("configuration", args.config or [], [c for c, _ in configs],
                               f"--config (suite {args.suite})")
        spinrun.refuse_unknown("property", args.property or [], [p.name for p in props], "--property")
        exemptions = load_exemptions()
    except (spinrun.SpinError, spinrun.fsmtable.TableError, FileNotFoundError) as err:
        return spinrun.refused("verify", err)
    if args.config:
        configs = [c for c in configs if c[0] in args.config]
    configs = [(name, defines + [f"-D{d}" for d in args.define]) for name, defines in configs]
    selected = [p for p in props if not args.property or p.name in args.property]
    problems = spinrun.check_claims_listed(props, text)
    if not args.skip_generated_check:
        problems += fsmgen.stale(fsmgen.render(fsm))
    if problems:
        print("\n".join(f"verify: {p}" for p in problems), file=sys.stderr)
        return 1
    limits = [p.name for p in props if p.mode == "limit"]
    liveness = [p.name for p in props if p.mode == "liveness"]
    invariants_all = {p.name for p in props if p.mode == "invariant"}

    safety, progress, live = plan(configs, props, args.suite, selected)
    print(wrap(f"verify: {spinrun.relpath(os.path.abspath(args.model))}, suite {args.suite}, "
               f"{len(configs)} configurations, {len(selected)} properties: "
               f"{len(safety) + len(progress) + len(live)} searches on {args.jobs} cores, safety first"),
          flush=True)
    workdir = args.workdir or tempfile.mkdtemp(prefix="vfio-ccw-verify-")
    reporter = Reporter(len(safety) + len(progress) + len(live), fsm, limits, args.jobs, lambda s: None)
    threads = concurrent.futures.ThreadPoolExecutor(args.jobs)  # one for every pipeline
    pipes = {}
    try:
        # the model with the monitor of the invariants asked for (all: None)
        models = {frozenset(inv): spinrun.with_checkers(text, props, only=inv)
                  for _, inv in safety if inv != invariants_all}
        full = spinrun.with_checkers(text, props)

        def pipe_for(key):
            if key not in pipes:
                pipes[key] = pipeline.Pipeline(os.path.join(workdir, f"m{len(pipes)}"), models.get(key, full),
                                               threads, reporter.finished, args.hash_bits, args.fresh,
                                               model_path=args.model, limits=limits, depth=args.depth,
                                               cflags=spinrun.suite_pan_cflags(args.suite))
            return pipes[key]
        pipe = pipe_for(None)
        reporter.estimate = pipe.estimate
        ordered = [(pipe_for(None if inv == invariants_all else frozenset(inv)), s) for s, inv in safety]
        ordered += [(pipe, s) for s in sorted(progress, key=lambda s: -(pipe.estimate(s) or 0))]
        ordered += [(pipe, s) for s in sorted(live, key=lambda s: -(pipe.estimate(s) or 0))]
        reporter.pending = [s for _, s in ordered]
        reporter.status()
        futures = [p.submit(s) for p, s in ordered]
        runs = [f.result() for f in futures]
        # a failed conjunction: each liveness claim alone, to name it
        again = [pipeline.Search(r.config, dict(configs)[r.config], "liveness", name, tuple(liveness))
                 for r in runs if r.claim == spinrun.ALL_LIVENESS and not r.passed for name in liveness]
        reporter.total += len(again)
        reporter.pending = again
        runs += [f.result() for f in [pipe.submit(s) for s in again]]
        threads.shutdown()
        for p in pipes.values():
            p.close()
    except KeyboardInterrupt:
        reporter.stopped = True
        spinrun.stop_all()
        threads.shutdown(wait=True, cancel_futures=True)
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
        print(f"\nverify: interrupted after {time.monotonic() - started:.0f} s; nothing kept", file=sys.stderr)
        return 130
    except spinrun.SpinError as err:
        reporter.close()
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
        print(f"verify: {err}", file=sys.stderr)
        return 1
    reporter.close()
    return report(args, fsm, props, selected, configs, runs, exemptions, limits, workdir, started)


def report(args, fsm, props, selected, configs, runs, exemptions, limits, workdir, started):
    """Verdict first, the properties by configuration, the searches, the cells."""
    whole = not args.config and not args.property and not args.define
    table = verdicts(selected, runs, configs, spinrun.suite_runs_progress(args.suite))
    failed = [(p.name, c) for p in selected for c, _ in configs if table[p.name][c] in ("FAIL", "HOLDS")]
    hits, legend, missing = coverage(fsm, runs, configs)
    if not whole:  # coverage is the whole suite's
        missing = []
    gaps = lockstep_gaps(fsm, runs)
    unreached = unreached_triggers(selected, runs) if whole else []
    checks = sum(v != "-" for row in table.values() for v in row.values())
    bad = len(failed) + len(missing) + len(gaps) + len(unreached)
    total = time.monotonic() - started
    reused = sum(1 for r in runs if r.reused)
    print(f"\nverify: {'FAIL' if bad else 'PASS'}: {checks - len(failed)} of {checks} checks "
          f"(property x configuration), {len(runs)} searches"
          f"{f' ({reused} reused)' if reused else ''}, {total:.1f} s")
    for name, config in failed:
        if table[name][config] == "HOLDS":
            print(wrap(f"{name} HOLDS in {config}: the known limit is gone; update properties.toml "
                       "and docs/proofs.md", "  "))
        else:
            print(f"  {name} fails in {config} (the counterexample is above)")
    for cell in missing:
        print(wrap(f"cell {cell} was dispatched in no configuration and is not marked UNREACHABLE()", "  "))
    for gap in gaps:
        print(wrap(gap, "  "))
    for problem in unreached:
        print(wrap(problem, "  "))
    for name in limits:
        refuted = [c for c, _ in configs if table.get(name, {}).get(c) == "refuted"]
        if refuted:
            print(wrap(f"{name} is a known limit: SPIN must refute it, and did ({', '.join(refuted)}); "
                       "docs/proofs.md, \"Starvation\"", "  "))

    short = {"deadlock": "dead", "invariant": "inv", "liveness": "live", "progress": "prog", "limit": "limit"}
    rows = [("property", "mode", *[c for c, _ in configs])]
    rows += [(p.name, short[p.mode], *[table[p.name][c] for c, _ in configs]) for p in selected]
    print("\n" + columns(rows, right_from=2, gap=" "))

    rows = [("config", "search", "claim", "result", "states", "time", "memory")]
    for r in runs:
        result = ("refuted" if r.claim in limits else "fail") if not r.passed else "pass"
        rows.append((r.config, r.search, r.claim or "-", result + ("*" if r.reused else ""),
                     f"{r.states:,}", f"{r.seconds:.1f} s", f"{r.memory_mb:.0f} MB"))
    print("\n" + columns(rows, right_from=4))
    if reused:
        dates = sorted({r.reused for r in runs if r.reused})
        print(wrap(f"* reused: a pass kept from an earlier run with the same inputs ({dates[0]}"
                   f"{' to ' + dates[-1] if len(dates) > 1 else ''}); --fresh runs every search"))

    if any(r.search == "safety" for r in runs):
        print("\n" + wrap(f"cells dispatched, by configuration ({legend}; '-': unreachable):"))
        print(transposed_grid(fsm, hits))
        for (state, event), why in sorted(fsm.unreachable.items()):
            print(wrap(f"{state} x {event}: {why}", "  "))
        ran = ", ".join(f"{r.config} {sum(1 for n in r.lockstep.values() if n)}"
                        for r in runs if r.search == "safety")
        print("\n" + wrap(f"kernel_refines_model: cells the kernel's own action ran beside the model: {ran}"))
        triggers = trigger_counts(selected, runs)
        if triggers:
            print("\ntriggers, by configuration (states where a property's danger was there):")
            for line in triggers:
                print(wrap(line, "  "))
        print("not run in lockstep (proofs/exemptions.toml):")
        for entry in exemptions:
            print(wrap(f"{entry['function']}() ({entry['file']}): {entry['does']}", "  "))
            print(wrap(f"why: {entry['why']}", "    "))
    if args.suite == "default" and whole:
        write_cells(fsm, runs, configs)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            first = max((r.ended for r in runs if r.search == "safety"), default=0.0)
            json.dump({"suite": args.suite, "defines": args.define, "wall_seconds": total,
                       "first_verdict_seconds": first,
                       "runs": [dataclasses.asdict(r) | {"cells": len(r.cells), "lockstep": len(r.lockstep)}
                                for r in runs]}, handle, indent=1)
    print(f"\nverify: {'FAIL' if bad else 'PASS'} ({checks - len(failed)} passed, {bad} failed, {total:.1f} s)")
    if not args.workdir and not bad:
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
