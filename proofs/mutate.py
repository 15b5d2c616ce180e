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
import tomllib

import spinrun

MUTATIONS = os.path.join(spinrun.ROOT, "proofs", "mutations.toml")
UPSTREAM_BUGS = range(1, 7)
C_TESTS = os.path.join(spinrun.ROOT, "tests", "c")
C_TEST_SECONDS = 300  # the plain suite runs in about 3 s; a hang is a catch


def load_mutations(path=MUTATIONS):
    with open(path, "rb") as handle:
        return tomllib.load(handle)["mutation"]


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
    made = subprocess.run(["make", "-s", "-C", C_TESTS, "build", f"KERNEL_FSM={source}",
                           f"BUILD={build}"], capture_output=True, text=True, check=False)
    if made.returncode:
        return False, f"the C tests do not build on the mutant: {made.stderr.strip()[-400:]}"
    try:
        ran = subprocess.run([os.path.join(build, "plain", "test_fsm")], capture_output=True,
                             text=True, check=False, timeout=C_TEST_SECONDS)
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
        binaries = spinrun.build(here, spinrun.with_checkers(text, props, only, skip=skip),
                                 defines, [search], jobs=1, lib=lib, lockstep=bool(lib))
    except spinrun.SpinError as err:
        return False, f"mutant does not build: {err}", None, c_result
    claim = prop.name if search == "liveness" else ""
    # an invariant's mutant is judged on the invariants alone (pan -E: no
    # invalid end states), so that a deadlock found first does not hide it
    extra = ["-E"] if prop.mode == "invariant" else []
    run = spinrun.run_search(config, search, binaries[search], defines, claim, extra=extra)
    if run.passed:
        return False, f"SPIN still proves {prop.name} on the mutant ({config})", run, c_result
    if prop.name != run.violated:
        return False, f"the mutant fails {run.violated}, not {prop.name}: {run.problem}", run, c_result
    return True, run.problem, run, c_result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only this mutation (repeatable)")
    parser.add_argument("--show", action="store_true", help="print each counterexample")
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()

    started = time.monotonic()
    with open(spinrun.MODEL, encoding="utf-8") as handle:
        model_text = handle.read()
    props = {p.name: p for p in spinrun.load_properties()}
    mutations = load_mutations()
    problems = coverage_problems(mutations, props.values())
    if args.only:
        unknown = sorted(set(args.only) - {m["name"] for m in mutations})
        if unknown:
            print(f"mutate.py: no mutation named {', '.join(unknown)} in {MUTATIONS}", file=sys.stderr)
            return 2
        mutations = [m for m in mutations if m["name"] in args.only]
    fsm = spinrun.fsmtable.parse(spinrun.MODEL, model_text)
    workdir = tempfile.mkdtemp(prefix="vfio-ccw-mutants-")
    todo = [m for m in mutations if m["breaks"] in props]
    plist = list(props.values())
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(lambda m: check_one(m, props[m["breaks"]], model_text, plist, workdir), todo))

    print(f"{'mutation':<38} {'bug':>3}  {'must break':<24} {'config':<6} {'SPIN':<7} "
          f"{'C tests':<7} {'states':>8} {'time':>8}")
    print(f"{'-' * 38} {'-' * 3}  {'-' * 24} {'-' * 6} {'-' * 7} {'-' * 7} {'-' * 8} {'-' * 8}")
    missed = 0
    for mutation, (caught, detail, run, c_result) in zip(todo, outcomes):
        c_caught, c_detail = c_result if c_result else (True, "")
        missed += not (caught and c_caught)
        bug = mutation.get("upstream_bug", "")
        states = run.states if run else 0
        seconds = f"{run.seconds:.2f} s" if run else "-"
        c_column = "-" if c_result is None else ("caught" if c_caught else "MISSED")
        print(f"{mutation['name']:<38} {bug:>3}  {mutation['breaks']:<24} {mutation.get('config', 'user'):<6} "
              f"{'caught' if caught else 'MISSED':<7} {c_column:<7} {states:>8} {seconds:>8}")
        if not caught:
            print(f"    SPIN: {detail}")
        if not c_caught:
            print(f"    C tests: {c_detail}")
        if args.show and caught:
            print(f"    {mutation['why']}\n    SPIN: {detail}")
            if c_result:
                print(f"    C tests: {c_detail}")
            for n, step in enumerate(spinrun.counterexample(run, fsm), 1):
                print(f"    {n:3}. {step}")
    for problem in problems:
        print(f"mutations: {problem}")
    print(f"\n{len(todo) - missed} passed, {missed} failed "
          f"(mutants caught / missed, {time.monotonic() - started:.1f} s wall)")
    if not missed and not problems:
        spinrun.shutil.rmtree(workdir, ignore_errors=True)
    return 1 if missed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
