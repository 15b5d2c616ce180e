"""Build SPIN verifiers for the model, run the searches, name what failed.

Per configuration of a suite (proofs/suites.toml) there are three
searches, each one pan run:
  safety    no claim: invalid end states, the model's assertions, and
            every invariant claim, asserted by a monitor process added
            here; pan also prints how often each cell was dispatched
  liveness  the conjunction of the liveness claims, pan -a -f
  progress  non-progress cycles, pan -l
plus, where a suite asks for it, each known limit (a claim SPIN must
refute). A failed search is named by what pan reports: the monitor
asserts inv_<name> for each invariant; a failed conjunction is run again
claim by claim. Compiled verifiers are cached by the hash of every pan.*
file and the flags under $VFIO_CCW_CACHE/pan, outside the clone.
"""

import concurrent.futures
import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

import fsmtable  # noqa: E402  (path set just above)

MODEL = os.path.join(ROOT, "model", "vfio_ccw.pml")
PROPERTIES = os.path.join(ROOT, "proofs", "properties.toml")
SUITES = os.path.join(ROOT, "proofs", "suites.toml")
MODEL_NAME = "vfio_ccw.pml"
CACHE = os.path.join(os.environ.get("VFIO_CCW_CACHE", os.path.expanduser("~/.cache/vfio-ccw-fsm")), "pan")

CC = os.environ.get("PAN_CC", "gcc")
CFLAGS = os.environ.get("PAN_CFLAGS", "-O0 -w").split()  # pan.c compiles 5x faster than at -O2, runs 0.8x
PAN_DEPTH = 100000
HASH_BITS = 24
NFAIR = "-DNFAIR=4"  # weak fairness for up to 14 processes

# search -> (spin defines, cc flags, pan flags)
SEARCHES = {
    "safety": (["-DSAFETY_SEARCH"], ["-DNOCLAIM"], []),
    "liveness": ([], [NFAIR], ["-a", "-f", "-N", "{claim}"]),
    "progress": (["-DSAFETY_SEARCH"], ["-DNP", "-DNOCLAIM"], ["-l"]),
}
MODE_SEARCH = {"deadlock": "safety", "invariant": "safety", "liveness": "liveness",
               "progress": "progress", "limit": "liveness"}
ALL_LIVENESS = "all_liveness"


@dataclasses.dataclass
class Property:
    name: str
    mode: str
    says: str


@dataclasses.dataclass
class Run:
    """One pan run: a search of one configuration."""
    config: str
    search: str
    claim: str = ""
    passed: bool = False
    states: int = 0
    depth: int = 0
    seconds: float = 0.0
    memory_mb: float = 0.0
    vector: int = 0  # bytes of pan's state vector
    problem: str = ""  # pan's own line for what it found
    violated: str = ""  # the property that failed, by name
    trail: str = ""
    workdir: str = ""
    defines: tuple = ()
    cells: dict = dataclasses.field(default_factory=dict)  # (state no, event no) -> hits
    lockstep: dict = dataclasses.field(default_factory=dict)  # cells whose kernel action ran -> runs
    mismatches: list = dataclasses.field(default_factory=list)  # the lockstep's report of a divergence


class SpinError(Exception):
    """spin or the C compiler refused the model, or a file is malformed."""


def require_tools():
    """Name exactly what to install when a tool is missing."""
    missing = [(tool, pkg) for tool, pkg in (("spin", "spin"), (CC, "gcc"))
               if shutil.which(tool) is None]
    if missing:
        raise SpinError("missing tools: " + ", ".join(t for t, _ in missing) +
                        "; install with: apt-get install " + " ".join(p for _, p in missing))


def load_properties(path=PROPERTIES):
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    props = [Property(p["name"], p["mode"], p["says"]) for p in data["property"]]
    for prop in props:
        if prop.mode not in MODE_SEARCH:
            raise SpinError(f"{path}: property {prop.name}: unknown mode {prop.mode}")
    return props


def load_suite(name, path=SUITES):
    """[(config name, spin defines)] of a suite; see suite_searches()."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    if name not in data.get("suite", {}):
        raise SpinError(f"{path}: no suite '{name}' (known: {', '.join(data.get('suite', {}))})")
    suite = data["suite"][name]
    configs = []
    for config in suite["configs"]:
        if config not in data["config"]:
            raise SpinError(f"{path}: suite {name}: no config '{config}'")
        faults = data["config"][config]["faults"]
        unknown = set(faults) - set(data["faults"]["all"])
        if unknown:
            raise SpinError(f"{path}: config {config}: unknown faults {', '.join(sorted(unknown))}")
        defines = [f"-D{f}={int(f in faults)}" for f in data["faults"]["all"]]
        defines += [f"-D{d}" for d in data["config"][config].get("defines", [])]
        configs.append((config, defines + [f"-D{d}" for d in suite.get("defines", [])]))
    return configs


def suite_searches(name, path=SUITES):
    """The configurations of a suite that run the liveness searches, and
    those that run the known limits."""
    with open(path, "rb") as handle:
        suite = tomllib.load(handle)["suite"][name]
    return set(suite.get("liveness", suite["configs"])), set(suite.get("limits", suite["configs"]))


def claims_in(model_text):
    """ltl name -> formula text."""
    return dict(re.findall(r"^\s*ltl\s+(\w+)\s*\{\s*(.*?)\s*\}\s*$", model_text, re.M))


def check_claims_listed(props, model_text):
    """Every ltl claim is a listed property and the reverse; invariants are [] (p)."""
    claims = claims_in(model_text)
    listed = {p.name for p in props if p.mode not in ("deadlock", "progress")}
    problems = [f"ltl claim {c} in the model is not listed in proofs/properties.toml" for c in sorted(set(claims) - listed)]
    problems += [f"property {p} has no ltl claim in the model" for p in sorted(listed - set(claims))]
    for p in props:
        if p.mode == "invariant" and p.name in claims and not claims[p.name].startswith("[]"):
            problems.append(f"invariant {p.name} must read [] (p), got: {claims[p.name]}")
    return problems


def with_checkers(model_text, props, only=None, skip=()):
    """The model plus the monitor of every invariant (or only that one, or
    all but those of skip) and the liveness conjunction."""
    claims = claims_in(model_text)
    invariants = [p.name for p in props if p.mode == "invariant" and only in (None, p.name)
                  and p.name not in skip]
    liveness = [p.name for p in props if p.mode == "liveness"]
    locals_ = "".join(f"\tbit inv_{n} = 1;\n" for n in invariants)
    checks = "".join(f"\t\tinv_{n} = ({claims[n][2:].strip()});\n" for n in invariants)
    asserts = "".join(f"\t\tassert(inv_{n});\n" for n in invariants)
    every = " && ".join(f"({claims[n][2:].strip()})" for n in invariants)
    conj = " && ".join(f"({claims[n]})" for n in liveness)
    return (model_text + f"""
/* ---- added by proofs/spinrun.py: the invariants, asserted in one search */
active proctype monitor()
{{
{locals_}end_monitor:
	atomic {{ !({every}) ->
{checks}{asserts}\t}}
}}

ltl {ALL_LIVENESS} {{ {conj} }}
""")


# The lockstep (proofs/lockstep.c): the kernel's own dispatcher and actions,
# the generated table and the user-space shim, linked into every pan
LOCKSTEP_SOURCES = ("kernel/vfio_ccw_fsm.c", "generated/vfio_ccw_fsm_table.c",
                    "tests/kshim/kshim.c", "tests/kshim/ksim.c", "proofs/lockstep.c")
LOCKSTEP_INCLUDES = ("tests/kshim/include", "tests/kshim", "generated", "kernel", "proofs")
LOCKSTEP_CFLAGS = ("-std=gnu11", "-O2", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter",
                   "-Wno-sign-compare", "-Werror", "-pthread")
KERNEL_FSM = "kernel/vfio_ccw_fsm.c"


def _lockstep_inputs():
    """Every file the lockstep library is built from, relative to ROOT."""
    files = set(LOCKSTEP_SOURCES)
    for folder in LOCKSTEP_INCLUDES:
        for base, _, names in os.walk(os.path.join(ROOT, folder)):
            files.update(os.path.relpath(os.path.join(base, n), ROOT) for n in names if n.endswith(".h"))
    return sorted(files)


_LOCKSTEP_LOCK = threading.Lock()


def lockstep_lib(kernel_fsm=None):
    """The lockstep archive, built once per content (cached like the pans);
    kernel_fsm: the text of a mutated kernel/vfio_ccw_fsm.c to build instead."""
    with _LOCKSTEP_LOCK:
        return _lockstep_lib(kernel_fsm)


def _lockstep_lib(kernel_fsm):
    texts = {}
    for name in _lockstep_inputs():
        with open(os.path.join(ROOT, name), "rb") as handle:
            texts[name] = handle.read()
    if kernel_fsm is not None:
        texts[KERNEL_FSM] = kernel_fsm.encode()
    digest = hashlib.sha256(" ".join([CC, *LOCKSTEP_CFLAGS]).encode())
    for name, text in sorted(texts.items()):
        digest.update(name.encode() + b"\0" + text + b"\0")
    lib = os.path.join(CACHE, f"lockstep-{digest.hexdigest()[:20]}.a")
    if os.path.exists(lib):
        return lib
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vfio-ccw-lockstep-") as tmp:
        objects = []
        for source in LOCKSTEP_SOURCES:
            path = os.path.join(ROOT, source)
            if source == KERNEL_FSM and kernel_fsm is not None:
                path = os.path.join(tmp, "vfio_ccw_fsm.c")
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(kernel_fsm)
            obj = os.path.join(tmp, os.path.basename(source)[:-2] + ".o")
            cc = _run([CC, *LOCKSTEP_CFLAGS, *[f"-I{os.path.join(ROOT, i)}" for i in LOCKSTEP_INCLUDES],
                       "-c", path, "-o", obj], tmp)
            if cc.returncode != 0:
                raise SpinError(f"compiling {source} for the lockstep failed:\n{cc.stderr.strip()}")
            objects.append(obj)
        ar = _run(["ar", "rcs", lib + f".{os.getpid()}", *objects], tmp)
        if ar.returncode != 0:
            raise SpinError(f"ar failed: {ar.stderr.strip()}")
        os.replace(lib + f".{os.getpid()}", lib)
    return lib


def _run(cmd, cwd, timeout=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _compile(workdir, kind, cflags, lib):
    """pan.* in workdir, linked with the lockstep archive lib (None: the
    model alone) -> binary, from the cache when all of them and the flags
    are known."""
    link = [f"-I{os.path.join(ROOT, 'proofs')}", "pan.c", lib, "-pthread"] if lib else ["pan.c"]
    digest = hashlib.sha256(" ".join([CC, *CFLAGS, *cflags, os.path.basename(lib or "")]).encode())
    for name in sorted(os.listdir(workdir)):  # pan.c includes pan.h, .t, .m, .b, .p
        if name.startswith("pan.") and os.path.isfile(os.path.join(workdir, name)):
            with open(os.path.join(workdir, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read())
    key = digest.hexdigest()[:20]
    cached = os.path.join(CACHE, key)
    out = os.path.join(workdir, f"pan_{kind}")
    if not os.path.exists(cached):
        cc = _run([CC, *CFLAGS, *cflags, "-o", out, *link], workdir)
        if cc.returncode != 0:
            raise SpinError(f"compiling pan ({kind}) failed:\n{cc.stderr.strip()}")
        os.makedirs(CACHE, exist_ok=True)
        tmp = f"{cached}.{os.getpid()}"
        shutil.copy(out, tmp)
        os.replace(tmp, cached)
    else:
        shutil.copy(cached, out)
    return out


def build(workdir, model_text, defines, searches, jobs=None, lib=None, lockstep=True):
    """spin -a once per set of spin defines, then the pan binaries, linked
    with the lockstep archive lib (default: kernel/ as it is), or with
    lockstep=False the model alone: {search: binary}."""
    require_tools()
    lib = (lib or lockstep_lib()) if lockstep else None
    if lockstep:
        defines = [*defines, "-DLOCKSTEP"]
    by_defines = {}
    for search in searches:
        by_defines.setdefault(tuple(SEARCHES[search][0]), []).append(search)

    def generate(spin_defines):
        here = os.path.join(workdir, "spin" + "".join(spin_defines).replace("-D", "_"))
        os.makedirs(here, exist_ok=True)
        with open(os.path.join(here, MODEL_NAME), "w", encoding="utf-8") as handle:
            handle.write(model_text)
        spin = _run(["spin", *defines, *spin_defines, "-a", MODEL_NAME], here)
        if spin.returncode != 0 or not os.path.exists(os.path.join(here, "pan.c")):
            raise SpinError("spin -a failed:\n" + (spin.stdout + spin.stderr).strip())
        return here

    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count()) as pool:
        dirs = dict(zip(by_defines, pool.map(generate, by_defines)))
        jobs_ = [(s, dirs[d]) for d, group in by_defines.items() for s in group]
        made = pool.map(lambda job: (job[0], (_compile(job[1], job[0], SEARCHES[job[0]][1], lib), job[1])), jobs_)
        return dict(made)


def _number(pattern, text, cast=int, default=0):
    match = re.search(pattern, text)
    return cast(match.group(1)) if match else default


def run_search(config, search, binary, defines, claim="", hash_bits=HASH_BITS, extra=()):
    """One pan run in a directory of its own; a failure is named by pan's report."""
    exe, model_dir = binary
    here = os.path.join(model_dir, f"run_{search}_{claim or 'all'}")
    shutil.rmtree(here, ignore_errors=True)
    os.makedirs(here)
    flags = [f.format(claim=claim) for f in SEARCHES[search][2]]
    start = time.monotonic()
    pan = _run([exe, f"-m{PAN_DEPTH}", f"-w{hash_bits}", *flags, *extra], here)
    out = pan.stdout + pan.stderr
    run = Run(config, search, claim, seconds=time.monotonic() - start, workdir=model_dir,
              defines=tuple(defines) + tuple(SEARCHES[search][0]),
              states=_number(r"(\d+) states, stored", out), depth=_number(r"depth reached (\d+)", out),
              memory_mb=_number(r"([\d.]+)\s+total actual memory usage", out, float, 0.0),
              vector=_number(r"State-vector (\d+) byte", out))
    run.cells = {(int(s), int(e)): int(n) for s, e, n in re.findall(r"^@cell (\d+) (\d+) (\d+)$", out, re.M)}
    run.lockstep = {(int(s), int(e)): int(n)
                    for s, e, n in re.findall(r"^@lockstep-cell (\d+) (\d+) (\d+)$", out, re.M)}
    run.mismatches = re.findall(r"^@lockstep (.*)$", out, re.M)
    errors = _number(r"errors: (\d+)", out, default=-1)
    trail = os.path.join(here, MODEL_NAME + ".trail")
    if os.path.exists(trail):
        run.trail = trail
    if "max search depth too small" in out:
        run.problem = f"search depth {PAN_DEPTH} too small: the search was incomplete"
    elif errors == 0 and pan.returncode == 0:
        run.passed = True
    elif errors > 0:
        line = re.search(r"^pan:\d+:\s*(.*)$", out, re.M)
        run.problem = line.group(1).strip() if line else f"{errors} error(s)"
    else:
        run.problem = "pan did not finish: " + (out.strip().splitlines() or ["no output"])[-1]
    if not run.passed:
        run.violated = _name_failure(run)
    return run


def replay(run):
    return _run(["spin", *run.defines, "-t", "-k", run.trail, os.path.join(run.workdir, MODEL_NAME)],
                os.path.dirname(run.trail)).stdout


def _name_failure(run):
    """The property a failed run breaks, by name."""
    named = re.search(r"assertion violated inv_(\w+)", run.problem)
    if named:
        return named.group(1)
    if "assertion violated" in run.problem:
        return "no_deadlock"  # one of the model's own assertions
    if run.search == "progress":
        return "no_spinning"
    if run.search == "liveness":
        return run.claim
    return "no_deadlock"  # an invalid end state


COST_ORDER = ("liveness", "safety", "progress")


def run_all(jobs_list, jobs=None, hash_bits=HASH_BITS):
    """jobs_list: [(config, search, binary, defines, claim)] -> [Run] in that order."""
    order = sorted(range(len(jobs_list)), key=lambda i: COST_ORDER.index(jobs_list[i][1]))
    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count()) as pool:
        done = dict(zip(order, pool.map(lambda i: run_search(*jobs_list[i], hash_bits=hash_bits), order)))
    return [done[i] for i in range(len(jobs_list))]


def counterexample(run, fsm):
    """Replay a trail and turn it into readable steps."""
    text = replay(run)
    errno_names = {-number: "-" + name for name, number in fsm.errnos.items()}
    procs, steps = {}, []
    for raw in text.splitlines():
        line = raw.strip()
        fields = dict(re.findall(r"(\w+)=(-?\w+)", line))
        who = procs.get(fields.get("pid"), f"pid {fields.get('pid')}")
        if line.startswith("@proc"):
            procs[fields["pid"]] = fields["name"]
        elif line.startswith("@fsm"):
            event = fsm.event_names[int(fields["event"])]
            before = fsm.state_names[int(fields["from"])]
            after = fsm.state_names[int(fields["to"])]
            answer = int(fields["ans"])
            said = f"  answer {errno_names.get(answer, answer)}" if answer else ""
            steps.append(f"{who:<8} {event:<14} {before} -> {after}{said}")
        elif line.startswith("@user"):
            what = line.split(None, 2)[2]
            if what.startswith("answer="):
                answer = int(what.split("=")[1])
                what = "write() returns " + str(errno_names.get(answer, answer if answer else "the byte count"))
            steps.append(f"{who:<8} {what}")
        elif line.startswith("@dev"):
            steps.append(f"{'channel':<8} {line[5:]}")
        elif line.startswith("@mdev"):
            steps.append(f"{'admin':<8} mdev {line[6:]}")
        elif line.startswith("@irq"):
            steps.append(f"{'irq':<8} {line[5:]}")
        elif "START OF CYCLE" in line:
            steps.append("-- from here the run repeats forever --")
        elif "text of failed assertion" in line:
            text = line.split(":", 2)[-1].strip()
            steps.append("violated here: " + text.replace("assert(inv_", "").rstrip(")")
                         if "assert(inv_" in text else "violated here: " + text)
    return steps
