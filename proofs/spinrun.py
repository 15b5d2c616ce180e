"""Build SPIN verifiers for the model once, run each property on its own.

One `spin -a` per model; up to three pan binaries from the same pan.c:
claims (every ltl claim, selected with -N), noclaim (invalid end states)
and np (non-progress cycles). Each property runs in a directory of its own
so that parallel runs keep their trails apart.
"""

import concurrent.futures
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

import fsmtable  # noqa: E402  (path set just above)

MODEL = os.path.join(ROOT, "model", "vfio_ccw.pml")
PROPERTIES = os.path.join(ROOT, "proofs", "properties.toml")
MODEL_NAME = "vfio_ccw.pml"

# mode -> (binary, pan run flags)
BINARIES = {
    "claims": ["-DNFAIR=3"],
    "noclaim": ["-DNOCLAIM"],
    "np": ["-DNP", "-DNOCLAIM"],
}
MODES = {
    "deadlock": ("noclaim", []),
    "safety": ("claims", ["-N", "{name}"]),
    "liveness": ("claims", ["-a", "-f", "-N", "{name}"]),
    "progress": ("np", ["-l"]),
}
CC = os.environ.get("PAN_CC", "gcc")
CFLAGS = os.environ.get("PAN_CFLAGS", "-O0 -w").split()  # pan.c compiles 5x faster than at -O2
PAN_DEPTH = 20000


@dataclasses.dataclass
class Property:
    name: str
    mode: str
    says: str


@dataclasses.dataclass
class Result:
    name: str
    mode: str
    passed: bool
    states: int = 0
    transitions: int = 0
    depth: int = 0
    seconds: float = 0.0
    memory_mb: float = 0.0
    problem: str = ""  # why it failed, in a line
    workdir: str = ""
    trail: str = ""


class SpinError(Exception):
    """spin or the C compiler refused the model."""


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
        if prop.mode not in MODES:
            raise SpinError(f"{path}: property {prop.name}: unknown mode {prop.mode}")
    return props


def claims_in(model_text):
    return re.findall(r"^\s*ltl\s+(\w+)\s*\{", model_text, re.M)


def check_claims_listed(props, model_text):
    """Every ltl claim is a listed property and the reverse."""
    claims = set(claims_in(model_text))
    listed = {p.name for p in props if p.mode in ("safety", "liveness")}
    problems = [f"ltl claim {c} in the model is not listed in proofs/properties.toml" for c in sorted(claims - listed)]
    problems += [f"property {p} has no ltl claim in the model" for p in sorted(listed - claims)]
    return problems


def _run(cmd, cwd, timeout=None):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def build(workdir, model_text, defines=(), needed=("claims", "noclaim", "np"), jobs=None):
    """spin -a once, then compile the needed pan binaries in parallel."""
    require_tools()
    os.makedirs(workdir, exist_ok=True)
    with open(os.path.join(workdir, MODEL_NAME), "w", encoding="utf-8") as handle:
        handle.write(model_text)
    spin = _run(["spin", *defines, "-a", MODEL_NAME], workdir)
    if spin.returncode != 0 or not os.path.exists(os.path.join(workdir, "pan.c")):
        raise SpinError("spin -a failed:\n" + (spin.stdout + spin.stderr).strip())

    def compile_one(kind):
        out = os.path.join(workdir, f"pan_{kind}")
        cc = _run([CC, *CFLAGS, *BINARIES[kind], "-o", out, "pan.c"], workdir)
        if cc.returncode != 0:
            raise SpinError(f"compiling pan ({kind}) failed:\n{cc.stderr.strip()}")
        return kind, out

    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count()) as pool:
        return dict(pool.map(compile_one, needed))


def _number(pattern, text, cast=int, default=0):
    match = re.search(pattern, text)
    return cast(match.group(1)) if match else default


def run_property(prop, binaries, workdir, hash_bits=22):
    """Run one property with its own pan flags, in its own directory."""
    kind, flags = MODES[prop.mode]
    here = os.path.join(workdir, prop.name)
    shutil.rmtree(here, ignore_errors=True)
    os.makedirs(here)
    cmd = [binaries[kind], f"-m{PAN_DEPTH}", f"-w{hash_bits}"] + [f.format(name=prop.name) for f in flags]
    start = time.monotonic()
    pan = _run(cmd, here)
    seconds = time.monotonic() - start
    out = pan.stdout + pan.stderr
    result = Result(prop.name, prop.mode, False, workdir=workdir, seconds=seconds,
                    states=_number(r"(\d+) states, stored", out),
                    transitions=_number(r"(\d+) transitions", out),
                    depth=_number(r"depth reached (\d+)", out),
                    memory_mb=_number(r"([\d.]+)\s+total actual memory usage", out, float, 0.0))
    errors = _number(r"errors: (\d+)", out, default=-1)
    trail = os.path.join(here, MODEL_NAME + ".trail")
    if os.path.exists(trail):
        result.trail = trail
    if "max search depth too small" in out:
        result.problem = f"search depth {PAN_DEPTH} too small: the search was incomplete"
    elif errors == 0 and pan.returncode == 0:
        result.passed = True
    elif errors > 0:
        line = re.search(r"^pan:\d*:?\s*(.*)$", out, re.M)
        result.problem = line.group(1).strip() if line else f"{errors} error(s)"
    else:
        result.problem = "pan did not finish: " + out.strip().splitlines()[-1] if out.strip() else "pan crashed"
    return result


# Longest first, so that the slow searches do not end up alone at the tail.
COST_ORDER = ("progress", "liveness", "deadlock", "safety")


def run_all(props, binaries, workdir, jobs=None, hash_bits=22):
    """Results in the order of props."""
    ordered = sorted(props, key=lambda p: COST_ORDER.index(p.mode))
    with concurrent.futures.ThreadPoolExecutor(jobs or os.cpu_count()) as pool:
        done = dict(zip((p.name for p in ordered),
                        pool.map(lambda p: run_property(p, binaries, workdir, hash_bits), ordered)))
    return [done[p.name] for p in props]


def counterexample(result, fsm, defines=()):
    """Replay a trail and turn it into readable steps."""
    here = os.path.dirname(result.trail)
    replay = _run(["spin", *defines, "-t", "-k", result.trail, os.path.join(result.workdir, MODEL_NAME)], here)
    errno_names = {-number: "-" + name for name, number in fsm.errnos.items()}
    procs, steps = {}, []
    for raw in replay.stdout.splitlines():
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
        elif "START OF CYCLE" in line:
            steps.append("-- from here the run repeats forever --")
        elif "text of failed assertion" in line:
            text = line.split(":", 2)[-1].strip()
            # never claims compile to assert(!(...)); name the property instead
            steps.append(f"violated here: {result.name}" if "_spin_nvr" in replay.stdout and
                         text.startswith("assert(!") else f"violated here: {text}")
    return steps
