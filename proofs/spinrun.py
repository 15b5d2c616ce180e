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
import itertools
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

CC = "gcc"  # the lockstep's archive, and pans when tcc is missing
# The compiler of each search's pan. tcc builds one in 0.1 s (gcc: 5 to
# 10 s) that runs about as fast as gcc -O0: right for the short safety
# searches. The long ones are worth gcc -O2, but for pan's giant generated
# functions (the transition switch, settable()), which stay at -O0: at -O1
# and up gcc takes minutes over them. PAN_CC and PAN_CFLAGS set one
# compiler for every search.
FAST_CC = (["tcc", "-w"], False)
OPT_CC = (["gcc", "-O2", "-w"], True)  # (command, patch the giant functions to -O0)
PLAIN_CC = (["gcc", "-O0", "-w"], False)
SEARCH_CC = {"safety": FAST_CC, "progress": OPT_CC, "liveness": OPT_CC}
GIANT_FUNCTIONS = {"pan.c": ("new_state", "do_transit", "do_reverse"), "pan.t": ("settable",)}
PAN_DEPTH = 100000
HASH_BITS = 24
NFAIR = "-DNFAIR=4"  # weak fairness for up to 14 processes

# search -> (spin defines, cc flags, pan flags)
SEARCHES = {
    "safety": (["-DSAFETY_SEARCH"], ["-DNOCLAIM", "-DSAFETY"], []),
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
    trigger: str = ""  # the model's witness counter of what the property is about


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
    witnesses: dict = dataclasses.field(default_factory=dict)  # trigger name -> times reached
    mismatches: list = dataclasses.field(default_factory=list)  # the lockstep's report of a divergence
    reused: str = ""  # when the result was kept, if reused (proofs/pipeline.py)
    ended: float = 0.0  # seconds into the verify run when it was reported


class SpinError(Exception):
    """spin or the C compiler refused the model, or a file is malformed."""


class UnknownName(SpinError):
    """A name (configuration, property, suite, mutation) nobody defined."""


def refused(tool, err):
    """Print why an input was refused; the exit code: 2 for an unknown
    name, 1 for anything else (a bad file, a missing tool)."""
    if isinstance(err, fsmtable.TableError):
        lines = err.problems
    elif isinstance(err, FileNotFoundError):
        lines = [f"{relpath(err.filename)}: no such file"]
    else:
        lines = str(err).splitlines()
    print("\n".join(f"{tool}: {line}" for line in lines), file=sys.stderr)
    return 2 if isinstance(err, UnknownName) else 1


def require_tools():
    """Name exactly what to install when a tool is missing."""
    missing = [(tool, pkg) for tool, pkg in (("spin", "spin"), (CC, "gcc"))
               if shutil.which(tool) is None]
    if missing:
        raise SpinError("missing tools: " + ", ".join(t for t, _ in missing) +
                        "; install with: apt-get install " + " ".join(p for _, p in missing))


def pan_cc(search):
    """(compiler command, patch the giant functions) for a search's pan."""
    if os.environ.get("PAN_CC") or os.environ.get("PAN_CFLAGS"):
        return [os.environ.get("PAN_CC", "gcc"), *os.environ.get("PAN_CFLAGS", "-O0 -w").split()], False
    command, patch = SEARCH_CC[search]
    return (command, patch) if shutil.which(command[0]) else PLAIN_CC


def relpath(path):
    return os.path.relpath(path, ROOT) if os.path.isabs(path) and path.startswith(ROOT) else path


def load_toml(path):
    """A TOML file; a byte that is not UTF-8 or a syntax error names the
    file and line (SpinError)."""
    try:
        text = fsmtable.read_source(path)
    except fsmtable.TableError as err:
        raise SpinError(str(err)) from None
    except OSError as err:
        raise SpinError(f"{relpath(path)}: {err.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        what = re.sub(r"\s*\(at (line .*|end of document)\)$", "", str(err))
        # at the end of the document: name its last line
        line = f":{where.group(1)}" if where else f":{text.rstrip().count(chr(10)) + 1}, at the end"
        raise SpinError(f"{relpath(path)}{line}: {what}") from None


def _entry(path, data, table, key, n):
    try:
        return data[key]
    except (KeyError, TypeError):
        raise SpinError(f"{relpath(path)}: {table} {n}: no '{key}'") from None


def refuse_twice(kind, names, where):
    """SpinError if a name is defined more than once."""
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise SpinError(f"{where}: {kind} {', '.join(twice)} defined twice")


def refuse_unknown(kind, asked, known, where):
    """UnknownName for asked names not in known, listing the known ones."""
    unknown = [a for a in asked if a not in known]
    if unknown:
        raise UnknownName(f"{where}: no {kind} {', '.join(repr(u) for u in unknown)} "
                          f"(known: {', '.join(known)})")


def load_properties(path=PROPERTIES):
    data = load_toml(path)
    props = []
    for n, p in enumerate(data.get("property", []), 1):
        props.append(Property(*(_entry(path, p, "property", k, n) for k in ("name", "mode", "says")),
                              trigger=p.get("trigger", "")))
        if props[-1].mode not in MODE_SEARCH:
            raise SpinError(f"{relpath(path)}: property {props[-1].name}: unknown mode "
                            f"'{props[-1].mode}' (known: {', '.join(MODE_SEARCH)})")
    refuse_twice("property", [p.name for p in props], relpath(path))
    return props


SUITE_KEYS = {"configs", "liveness", "limits", "defines", "pairs", "budget", "progress", "collapse"}


def _suite_data(name, path):
    data = load_toml(path)
    suites, configs = data.get("suite", {}), data.get("config", {})
    refuse_unknown("suite", [name], list(suites), relpath(path))
    suite = suites[name]
    where = f"{relpath(path)}: suite {name}"
    refuse_unknown("key", list(suite), sorted(SUITE_KEYS), where)
    if suite.get("pairs") and (suite.get("liveness") or suite.get("limits")):
        raise SpinError(f"{where}: a suite of pairs runs no liveness search and no limit")
    if suite.get("budget", 1) not in (1, 2):
        raise SpinError(f"{where}: budget must be 1 or 2, not {suite['budget']!r}")
    refuse_unknown("fault", data["faults"].get("recurring", []), data["faults"]["all"],
                   f"{relpath(path)}: faults, recurring")
    for key in ("configs", "liveness", "limits"):
        refuse_unknown("configuration", suite.get(key, []), list(configs),
                       f"{relpath(path)}: suite {name}, {key}")
    for key in ("liveness", "limits"):
        refuse_unknown("configuration", suite.get(key, []), suite.get("configs", []),
                       f"{relpath(path)}: suite {name}, {key} (not in its configs)")
    return data, suite


def load_suite(name, path=SUITES):
    """[(config name, spin defines)] of a suite; see suite_searches().

    A suite with pairs = true runs, instead of its configurations, every
    pair of them as one ("a+b": the faults and defines of both); with
    budget = 2, each recurring fault a configuration names gets a budget
    of 2 instead of 1."""
    data, suite = _suite_data(name, path)
    recurring = set(data["faults"].get("recurring", []))
    budget = suite.get("budget", 1)
    worlds = [[c] for c in suite["configs"]]
    if suite.get("pairs"):
        worlds = [list(p) for p in itertools.combinations(suite["configs"], 2)]
    configs = []
    for world in worlds:
        faults, extra = [], []
        for config in world:
            named = data["config"][config]["faults"]
            refuse_unknown("fault", named, data["faults"]["all"], f"{relpath(path)}: config {config}")
            faults += [f for f in named if f not in faults]
            extra += [d for d in data["config"][config].get("defines", []) if d not in extra]
        defines = [f"-D{f}={(budget if f in recurring else 1) if f in faults else 0}"
                   for f in data["faults"]["all"]]
        defines += [f"-D{d}" for d in extra]
        configs.append(("+".join(world), defines + [f"-D{d}" for d in suite.get("defines", [])]))
    return configs


def suite_runs_progress(name, path=SUITES):
    """Whether the suite runs the progress searches (progress = false: not)."""
    return _suite_data(name, path)[1].get("progress", True)


def suite_pan_cflags(name, path=SUITES):
    """The suite's own pan compile flags: collapse = true stores states
    compressed (-DCOLLAPSE: exhaustive still, a third of the memory or
    less, slower), for worlds larger than the machine's memory."""
    return ["-DCOLLAPSE"] if _suite_data(name, path)[1].get("collapse") else []


def suite_searches(name, path=SUITES):
    """The configurations of a suite that run the liveness searches, and
    those that run the known limits."""
    _, suite = _suite_data(name, path)
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
    names = model_text.split("witness_name[", 1)[-1].split("};", 1)[0]
    witnesses = set(re.findall(r'"(\w+)"', names))
    for p in props:
        if p.trigger and p.trigger not in witnesses:
            problems.append(f"property {p.name}: trigger {p.trigger} is not a witness the model counts "
                            f"(known: {', '.join(sorted(witnesses)) or 'none'})")
    return problems


CHECKERS_MARK = "/* ---- added by proofs/spinrun.py"
LTL_LINE = re.compile(r"^\s*ltl\s+(\w+)\s*\{.*\}\s*$")


def keep_claims(model_text, keep):
    """The model with only the ltl claims named in keep (each other one
    blanked, so that every line keeps its number): spin -a translates every
    claim it is given, and a safety or progress search uses none."""
    lines = model_text.split("\n")
    for n, line in enumerate(lines):
        match = LTL_LINE.match(line)
        if match and match.group(1) not in keep:
            lines[n] = ""
    return "\n".join(lines)


def with_checkers(model_text, props, only=None, skip=()):
    """The model plus the monitor of every invariant (or only that one, or
    all but those of skip) and the liveness conjunction."""
    claims = claims_in(model_text)
    only = {only} if isinstance(only, str) else only
    invariants = [p.name for p in props if p.mode == "invariant" and (only is None or p.name in only)
                  and p.name not in skip]
    liveness = [p.name for p in props if p.mode == "liveness"]
    locals_ = "".join(f"\tbit inv_{n} = 1;\n" for n in invariants)
    checks = "".join(f"\t\tinv_{n} = ({claims[n][2:].strip()});\n" for n in invariants)
    asserts = "".join(f"\t\tassert(inv_{n});\n" for n in invariants)
    every = " && ".join(f"({claims[n][2:].strip()})" for n in invariants)
    conj = " && ".join(f"({claims[n]})" for n in liveness)
    monitor = f"""active proctype monitor()
{{
{locals_}end_monitor:
	atomic {{ !({every}) ->
{checks}{asserts}\t}}
}}
""" if invariants else ""
    return (model_text + f"""
{CHECKERS_MARK}: the invariants, asserted in one search */
{monitor}
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


_LIVE = set()  # the processes running now: stop_all() ends them
_LIVE_LOCK = threading.Lock()
_STOPPING = threading.Event()


def _run(cmd, cwd, timeout=None):
    if _STOPPING.is_set():
        raise SpinError("stopped")
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace")
    with _LIVE_LOCK:
        _LIVE.add(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(proc)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def stop_all():
    """Ctrl-C: kill every spin, compiler and pan still running, start no more."""
    _STOPPING.set()
    with _LIVE_LOCK:
        for proc in _LIVE:
            proc.kill()


def _tcc_runtime(tcc):
    """tcc's own helpers (libtcc1.a) that its objects call."""
    found = re.search(r"^install: (\S+)", _run([tcc, "-print-search-dirs"], ROOT).stdout, re.M)
    path = os.path.join(found.group(1), "libtcc1.a") if found else ""
    return [path] if os.path.exists(path) else []


def _patch_giant_functions(workdir):
    """pan's giant generated functions at -O0, the rest as the flags say."""
    for name, functions in GIANT_FUNCTIONS.items():
        path = os.path.join(workdir, name)
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            text = handle.read()
        for function in functions:
            text = re.sub(rf"^(\w[^\n;{{}}]*)\n({function}\()", r'__attribute__((optimize("O0"))) \1\n\2',
                          text, count=1, flags=re.M)
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)


def _compile(workdir, kind, cflags, lib):
    """pan.* in workdir (a copy per search), linked with the lockstep
    archive lib (None: the model alone) -> binary, from the cache when all
    of them and the flags are known."""
    command, patch = pan_cc(kind)
    source = workdir
    workdir = os.path.join(source, f"cc_{kind}")
    os.makedirs(workdir, exist_ok=True)
    for name in os.listdir(source):
        if name.startswith("pan.") and os.path.isfile(os.path.join(source, name)):
            shutil.copy(os.path.join(source, name), workdir)
    if patch:
        _patch_giant_functions(workdir)
    link = [f"-I{os.path.join(ROOT, 'proofs')}", "pan.c", lib, "-lpthread"] if lib else ["pan.c"]
    digest = hashlib.sha256(" ".join([*command, *cflags, os.path.basename(lib or "")]).encode())
    for name in sorted(os.listdir(workdir)):  # pan.c includes pan.h, .t, .m, .b, .p
        if name.startswith("pan.") and os.path.isfile(os.path.join(workdir, name)):
            with open(os.path.join(workdir, name), "rb") as handle:
                digest.update(name.encode() + b"\0" + handle.read())
    key = digest.hexdigest()[:20]
    cached = os.path.join(CACHE, key)
    out = os.path.join(source, f"pan_{kind}")
    if not os.path.exists(cached) and lib and command[0] != "gcc":
        # tcc cannot link the archive's thread-local storage: it compiles, gcc links
        cc = _run([*command, *cflags, f"-I{os.path.join(ROOT, 'proofs')}", "-c", "pan.c", "-o", "pan.o"], workdir)
        if cc.returncode == 0:
            cc = _run([CC, "-o", out, "pan.o", lib, *_tcc_runtime(command[0]), "-lpthread"], workdir)
    elif not os.path.exists(cached):
        cc = _run([*command, *cflags, "-o", out, *link], workdir)
    else:
        shutil.copy(cached, out)
        return out
    if cc.returncode != 0:
        missing = sorted(set(re.findall(r"undefined reference to `(vfio_ccw_fsm_\w+)'", cc.stderr)))
        hint = (f"\n{', '.join(missing)}: the generated table calls it; every search links the kernel's "
                f"actions: write it in {KERNEL_FSM} (docs/adding-an-event.md, step 4)") if missing else ""
        raise SpinError(f"compiling pan ({kind}) failed:\n{cc.stderr.strip()}{hint}")
    os.makedirs(CACHE, exist_ok=True)
    tmp = f"{cached}.{os.getpid()}.{threading.get_ident()}"
    shutil.copy(out, tmp)
    os.replace(tmp, cached)
    return out


def spin_errors(output, model_text, model_path=MODEL):
    """spin's complaint, with the temporary copy's name turned into the
    model's path and line (or the checkers' that with_checkers() added),
    and without the echo of each ltl formula."""
    lines = model_text.split("\n")
    ours = next((n for n, line in enumerate(lines) if line.startswith(CHECKERS_MARK)), len(lines))

    def where(match):
        line = int(match.group(1))
        if line <= ours:
            return f"{relpath(model_path)}:{line}"
        return f"(the checkers proofs/spinrun.py adds, line {line - ours})"

    kept = [re.sub(rf"{re.escape(MODEL_NAME)}:(\d+)", where, line) for line in output.splitlines()
            if line.strip() and not line.startswith("ltl ")]
    return "\n".join(kept[:20])


def spin_generate(here, model_text, defines, model_path=MODEL):
    """spin -a of model_text (from model_path) in here (a folder of its own)."""
    os.makedirs(here, exist_ok=True)
    with open(os.path.join(here, MODEL_NAME), "w", encoding="utf-8") as handle:
        handle.write(model_text)
    spin = _run(["spin", *defines, "-a", MODEL_NAME], here)
    if spin.returncode != 0 or not os.path.exists(os.path.join(here, "pan.c")):
        raise SpinError("spin -a failed:\n" + spin_errors(spin.stdout + spin.stderr, model_text, model_path))
    return here


def build_text(model_text, search, claims=None):
    """What spin -a gets for a search: no ltl claim for safety and progress
    (their pans are built -DNOCLAIM), for liveness those of claims (None:
    all)."""
    if search != "liveness":
        return keep_claims(model_text, ())
    return model_text if claims is None else keep_claims(model_text, claims)


def build(workdir, model_text, defines, searches, jobs=None, lib=None, lockstep=True, claims=None):
    """spin -a once per text and set of spin defines, then the pan
    binaries, linked with the lockstep archive lib (default: kernel/ as it
    is), or with lockstep=False the model alone: {search: binary}. A
    liveness build carries the ltl claims of claims (None: all)."""
    require_tools()
    lib = (lib or lockstep_lib()) if lockstep else None
    if lockstep:
        defines = [*defines, "-DLOCKSTEP"]
    groups = {}
    for search in searches:
        key = (tuple(SEARCHES[search][0]), search == "liveness")
        groups.setdefault(key, []).append(search)

    def generate(key):
        spin_defines, live = key
        here = os.path.join(workdir, "spin" + "".join(spin_defines).replace("-D", "_") + ("_ltl" if live else ""))
        text = build_text(model_text, "liveness" if live else "safety", claims)
        return spin_generate(here, text, [*defines, *spin_defines])

    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count()) as pool:
        dirs = dict(zip(groups, pool.map(generate, groups)))
        jobs_ = [(s, dirs[k]) for k, group in groups.items() for s in group]
        made = pool.map(lambda job: (job[0], (_compile(job[1], job[0], SEARCHES[job[0]][1], lib), job[1])), jobs_)
        return dict(made)


def _number(pattern, text, cast=int, default=0):
    match = re.search(pattern, text)
    return cast(match.group(1)) if match else default


def run_search(config, search, binary, defines, claim="", hash_bits=HASH_BITS, extra=(), depth=PAN_DEPTH):
    """One pan run in a directory of its own; a failure is named by pan's report."""
    exe, model_dir = binary
    here = os.path.join(model_dir, f"run_{search}_{claim or 'all'}")
    shutil.rmtree(here, ignore_errors=True)
    os.makedirs(here)
    flags = [f.format(claim=claim) for f in SEARCHES[search][2]]
    start = time.monotonic()
    pan = _run([exe, f"-m{depth}", f"-w{hash_bits}", *flags, *extra], here)
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
    run.witnesses = {name: int(n) for name, n in re.findall(r"^@witness (\w+) (\d+)$", out, re.M)}
    errors = _number(r"errors: (\d+)", out, default=-1)
    trail = os.path.join(here, MODEL_NAME + ".trail")
    if os.path.exists(trail):
        run.trail = trail
    if "max search depth too small" in out:
        run.problem = f"search depth {depth} too small: the search was incomplete"
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
