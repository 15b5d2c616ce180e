#!/usr/bin/python3
"""make mutations: the negative proofs.

Applies each mutation of proofs/mutations.toml to the model (or, kind =
"kernel", to kernel/vfio_ccw_fsm.c) and checks that SPIN refutes the
property the mutation names; a kernel mutant must also fail the C tests of
tests/c, built against it (a mutant that does not build is a miss, not a
catch). Also checks that every property has at least one mutation, and
every upstream bug of fsm-intent.md (1..6) one of its own. Exits non-zero
on any miss.
"""

import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile
import time

import spinrun

MUTATIONS = os.path.join(spinrun.ROOT, "proofs", "mutations.toml")
UPSTREAM_BUGS = range(1, 7)
C_TESTS = os.path.join(spinrun.ROOT, "tests", "c")
C_TEST_SECONDS = 300  # the plain suite runs in about 3 s; a hang is a catch


MUTATION_KEYS = {"name", "breaks", "why", "edits"}
MUTATION_OPTIONAL = {"config", "kind", "upstream_bug", "review_bug", "finding"}


def load_mutations(path=MUTATIONS, configs=None):
    """The mutations, checked: known keys, known configurations, edits."""
    rel = os.path.relpath(path, spinrun.ROOT)
    mutations = spinrun.load_toml(path).get("mutation", [])
    for n, mutation in enumerate(mutations, 1):
        where = f"{rel}: mutation {n} ({mutation.get('name', 'no name')})"
        keys = set(mutation)
        if not MUTATION_KEYS <= keys or keys - MUTATION_KEYS - MUTATION_OPTIONAL:
            raise spinrun.SpinError(f"{where}: keys must be {sorted(MUTATION_KEYS)} and any of "
                                    f"{sorted(MUTATION_OPTIONAL)}, not {sorted(keys)}")
        if mutation.get("kind", "model") not in ("model", "kernel"):
            raise spinrun.SpinError(f"{where}: kind must be model or kernel, not {mutation['kind']!r}")
        if configs is not None:
            spinrun.refuse_unknown("configuration", [mutation.get("config", "user")], configs, where)
    spinrun.refuse_twice("mutation", [m["name"] for m in mutations], rel)
    return mutations


def apply(model_text, mutation, where="the model"):
    """The mutated text; raises ValueError if an edit does not apply once."""
    text = model_text
    for number, edit in enumerate(mutation["edits"], 1):
        count = text.count(edit["find"])
        if count != 1:
            raise ValueError(f"mutation {mutation['name']}: edit {number} matches {count} times "
                             f"in {where} (must be exactly once): {edit['find']!r}")
        text = text.replace(edit["find"], edit["replace"])
    return text


def coverage_problems(mutations, props):
    names = {p.name for p in props}
    problems = [f"mutation {m['name']}: breaks unknown property {m['breaks']}"
                for m in mutations if m["breaks"] not in names]
    broken = {m["breaks"] for m in mutations}
    problems += [f"property {p.name} has no mutation that violates it" for p in props
                 if p.name not in broken and p.mode != "limit"]
    bugs = {m.get("upstream_bug") for m in mutations}
    problems += [f"upstream bug {n} of fsm-intent.md has no mutation" for n in UPSTREAM_BUGS if n not in bugs]
    return problems


def c_tests_refute(kernel_text, here):
    """Builds tests/c against a mutated vfio_ccw_fsm.c and runs it.
    Returns (caught, detail): caught only if it builds and a test fails."""
    os.makedirs(here, exist_ok=True)
    source = os.path.join(here, "vfio_ccw_fsm.c")
    with open(source, "w", encoding="utf-8") as handle:
        handle.write(kernel_text)
    build = os.path.join(here, "tests-c")
    made = spinrun._run(["make", "-s", "-C", C_TESTS, "build", f"KERNEL_FSM={source}", f"BUILD={build}"],
                        here)
    if made.returncode:
        return False, f"the C tests do not build on the mutant: {made.stderr.strip()[-400:]}"
    try:
        ran = spinrun._run([os.path.join(build, "plain", "test_fsm")], here, timeout=C_TEST_SECONDS)
    except subprocess.TimeoutExpired:
        return True, f"the C tests hang on the mutant (over {C_TEST_SECONDS} s)"
    if ran.returncode == 0:
        return False, "every C test passes on the mutant"
    failed = [line for line in ran.stdout.splitlines() if line.startswith("FAIL")]
    return True, "; ".join(failed[:3]) or f"test_fsm exits {ran.returncode}"


def check_one(mutation, prop, model_text, props, workdir):
    """Returns (caught, detail, run, c_result); c_result is None for a
    mutant of the model, else (caught, detail) of the C tests."""
    lib = None
    c_result = None
    try:
        if mutation.get("kind") == "kernel":  # the kernel mutated, the model as it is
            with open(os.path.join(spinrun.ROOT, spinrun.KERNEL_FSM), encoding="utf-8") as handle:
                kernel_text = apply(handle.read(), mutation, spinrun.KERNEL_FSM)
            c_result = c_tests_refute(kernel_text, os.path.join(workdir, mutation["name"]))
            lib = spinrun.lockstep_lib(kernel_text)
            text = model_text
        else:
            text = apply(model_text, mutation)
    except ValueError as err:
        return False, str(err), None, c_result
    except spinrun.SpinError as err:
        return False, f"mutant does not build: {err}", None, c_result
    config = mutation.get("config", "user")
    defines = dict(spinrun.load_suite("default"))[config]
    search = spinrun.MODE_SEARCH[prop.mode]
    here = os.path.join(workdir, mutation["name"])
    try:
        only = prop.name if prop.mode == "invariant" else None  # no other invariant fires first
        # a mutant of the model departs from the kernel on purpose: it is
        # searched alone, without the lockstep that would report that first
        skip = () if lib else ("kernel_refines_model",)
        claims = (prop.name,) if search == "liveness" else ()
        binaries = spinrun.build(here, spinrun.with_checkers(text, props, only, skip=skip),
                                 defines, [search], jobs=1, lib=lib, lockstep=bool(lib), claims=claims)
    except spinrun.SpinError as err:
        return False, f"mutant does not build: {err}", None, c_result
    claim = prop.name if search == "liveness" else ""
    # an invariant's mutant is judged on the invariants alone (pan -E: no
    # invalid end states), so that a deadlock found first does not hide it
    extra = ["-E"] if prop.mode == "invariant" else []
    run = spinrun.run_search(config, search, binaries[search], defines, claim, extra=extra)
    if run.passed and prop.mode == "invariant" and config in spinrun.suite_searches("default")[0]:
        run = monitor_in_liveness(text, prop, props, config, defines, lib, skip, here)
    if run.passed:
        return False, f"SPIN still proves {prop.name} on the mutant ({config})", run, c_result
    if prop.name != run.violated:
        return False, f"the mutant fails {run.violated}, not {prop.name}: {run.problem}", run, c_result
    return True, run.problem, run, c_result


def monitor_in_liveness(text, prop, props, config, defines, lib, skip, here):
    """verify runs an invariant's monitor in the liveness search too, under
    weak fairness and the never claim: a mutant the safety search misses
    is judged there as well (a run naming the invariant is a catch)."""
    binary = spinrun.build(os.path.join(here, "liveness"),
                           spinrun.with_checkers(text, props, prop.name, skip=skip), defines,
                           ["liveness"], jobs=1, lib=lib, lockstep=bool(lib),
                           claims=(spinrun.ALL_LIVENESS,))["liveness"]
    return spinrun.run_search(config, "liveness", binary, defines, spinrun.ALL_LIVENESS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this mutation (repeatable)")
    parser.add_argument("--config", action="append", help="only the mutations checked in this configuration")
    parser.add_argument("--property", action="append", help="only the mutations that break this property")
    parser.add_argument("--show", action="store_true", help="print each counterexample")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()

    started = time.monotonic()
    try:
        model_text = spinrun.fsmtable.read_source(spinrun.MODEL)
        fsm = spinrun.fsmtable.parse(spinrun.MODEL, model_text)
        props = {p.name: p for p in spinrun.load_properties()}
        configs = [c for c, _ in spinrun.load_suite("default")]
        mutations = load_mutations(configs=configs)
        spinrun.refuse_unknown("mutation", args.only or [], [m["name"] for m in mutations], "--only")
        spinrun.refuse_unknown("configuration", args.config or [], configs, "--config")
        spinrun.refuse_unknown("property", args.property or [], list(props), "--property")
    except (spinrun.SpinError, spinrun.fsmtable.TableError, FileNotFoundError) as err:
        return spinrun.refused("mutate", err)
    problems = coverage_problems(mutations, props.values())
    if args.only:
        mutations = [m for m in mutations if m["name"] in args.only]
    if args.config:
        mutations = [m for m in mutations if m.get("config", "user") in args.config]
    if args.property:
        mutations = [m for m in mutations if m["breaks"] in args.property]
    if not mutations:
        print("mutate: no mutation is in that selection", file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="vfio-ccw-mutants-")
    todo = [m for m in mutations if m["breaks"] in props]
    plist = list(props.values())
    print(f"mutate: {len(todo)} mutants on {args.jobs} cores, each line as it is judged", flush=True)
    print(f"{'SPIN':<7} {'C tests':<7} {'config':<7} {'states':>8} {'time':>6}  mutation")
    missed = 0
    pool = concurrent.futures.ThreadPoolExecutor(args.jobs)
    try:
        futures = {pool.submit(check_one, m, props[m["breaks"]], model_text, plist, workdir): m for m in todo}
        for future in concurrent.futures.as_completed(futures):
            mutation = futures[future]
            caught, detail, run, c_result = future.result()
            missed += not (caught and (c_result is None or c_result[0]))
            report_one(mutation, caught, detail, run, c_result, fsm, args.show)
    except KeyboardInterrupt:
        spinrun.stop_all()
        pool.shutdown(wait=True, cancel_futures=True)
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
        print(f"\nmutate: interrupted after {time.monotonic() - started:.0f} s; nothing kept", file=sys.stderr)
        return 130
    pool.shutdown()
    for problem in problems:
        print(f"mutations: {problem}")
    print(f"\nmutate: {'PASS' if not missed and not problems else 'FAIL'}: {len(todo) - missed} caught, "
          f"{missed} missed, {time.monotonic() - started:.1f} s")
    if not missed and not problems:
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
    return 1 if missed or problems else 0


def report_one(mutation, caught, detail, run, c_result, fsm, show):
    """One mutant's line (80 columns), and why it was missed."""
    c_caught, c_detail = c_result if c_result else (True, "")
    states = f"{run.states}" if run else "-"
    seconds = f"{run.seconds:.1f} s" if run else "-"
    c_column = "-" if c_result is None else ("caught" if c_caught else "MISSED")
    print(f"{'caught' if caught else 'MISSED':<7} {c_column:<7} {mutation.get('config', 'user'):<7} "
          f"{states:>8} {seconds:>6}  {mutation['name']}", flush=True)
    bug = f", upstream bug {mutation['upstream_bug']}" if mutation.get("upstream_bug") else ""
    bug += f", review bug {mutation['review_bug']}" if mutation.get("review_bug") else ""
    if not caught:
        print(f"    must break {mutation['breaks']}{bug}; SPIN: {detail}")
    if not c_caught:
        print(f"    C tests: {c_detail}")
    if show and caught:
        print(f"    breaks {mutation['breaks']}{bug}: {mutation['why']}\n    SPIN: {detail}")
        if c_result:
            print(f"    C tests: {c_detail}")
        for n, step in enumerate(spinrun.counterexample(run, fsm), 1):
            print(f"    {n:3}. {step}")


if __name__ == "__main__":
    sys.exit(main())
