#!/usr/bin/python3
"""The vfio-ccw FSM as a git format-patch series against pristine Linux 6.12.

    scripts/series.py series [--glue DIR]   build/series/*.patch (cover letter first)
    scripts/series.py check  [--glue DIR]   git am each patch onto a fresh pristine
                                            checkout; per patch: W=1 build of
                                            vfio_ccw.ko, checkpatch --strict; the
                                            tools/vfio-ccw regeneration check

The pristine tree is Debian's linux-source-6.12, unpacked by
scripts/linux-tree.sh; it is committed once (deterministic commit, fixed
identity and date) into a git repository in $VFIO_CCW_CACHE, keyed by the
tarball, and never modified. Patches are built with git plumbing (a private
index, no checkout), so `series` takes seconds; `check` uses one persistent
checkout of that repository in the cache, reset to the pristine commit
before each run. What goes into each patch is series/series.toml.
"""

import argparse
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("VFIO_CCW_CACHE", os.path.expanduser("~/.cache/vfio-ccw-fsm"))
KERNEL = "6.12"
IDENT = {"GIT_AUTHOR_NAME": "vfio-ccw-fsm developers", "GIT_AUTHOR_EMAIL": "vfio-ccw-fsm@example.org",
         "GIT_COMMITTER_NAME": "vfio-ccw-fsm developers", "GIT_COMMITTER_EMAIL": "vfio-ccw-fsm@example.org"}
PRISTINE_DATE = "2000-01-01T00:00:00 +0000"
BRANCH = "vfio-ccw-fsm"


def log(msg):
    print(f"series: {msg}", file=sys.stderr, flush=True)


def run(cmd, cwd=None, env=None, input=None, check=True, capture=True):
    full = dict(os.environ, **(env or {}))
    res = subprocess.run(cmd, cwd=cwd, env=full, input=input, text=True,
                         stdout=subprocess.PIPE if capture else None,
                         stderr=subprocess.PIPE if capture else None)
    if check and res.returncode != 0:
        sys.exit(f"series: {' '.join(cmd)} failed ({res.returncode}):\n{res.stdout or ''}{res.stderr or ''}")
    return res


def git(repo, *args, env=None, input=None, check=True):
    res = run(["git", "-C", repo, *args], env=env, input=input, check=check)
    return res.stdout.strip() if res.stdout is not None else ""


# ------------------------------------------------------------ pristine tree

def tree():
    out = run([os.path.join(ROOT, "scripts", "linux-tree.sh")], env={"KERNEL": KERNEL}, capture=True)
    return out.stdout.strip()


def pristine_repo():
    """The git repository of the pristine tree, created once; returns (repo, commit)."""
    src = tree()
    with open(os.path.join(src, ".unpacked"), encoding="utf-8") as handle:
        key = handle.read().strip()
    repo = os.path.join(CACHE, f"series-{KERNEL}-{key}")
    stamp = os.path.join(repo, ".git", "vfio-ccw-pristine")
    if os.path.exists(stamp):
        with open(stamp, encoding="utf-8") as handle:
            return repo, handle.read().strip()
    log(f"committing the pristine tree {src} into {repo} (once)")
    start = time.time()
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "pristine")
    for key_, value in (("core.autocrlf", "false"), ("gc.auto", "0"), ("core.compression", "1"),
                        ("user.name", IDENT["GIT_AUTHOR_NAME"]), ("user.email", IDENT["GIT_AUTHOR_EMAIL"])):
        git(repo, "config", key_, value)
    env = dict(IDENT, GIT_WORK_TREE=src, GIT_DIR=os.path.join(repo, ".git"),
               GIT_AUTHOR_DATE=PRISTINE_DATE, GIT_COMMITTER_DATE=PRISTINE_DATE)
    # -f: the tarball holds sources only, some of them matched by .gitignore
    run(["git", "add", "-f", "-A", "--", ".", ":!.unpacked"], cwd=src, env=env)
    run(["git", "commit", "-q", "--no-verify", "-m", f"Linux {KERNEL} (Debian linux-source-{KERNEL}, pristine)"],
        cwd=src, env=env)
    commit = git(repo, "rev-parse", "HEAD")
    # the repository's own work tree is the checkout `check` applies the series to
    git(repo, "checkout", "-q", "-f", "pristine")
    with open(stamp, "w", encoding="utf-8") as handle:
        handle.write(commit + "\n")
    log(f"pristine commit {commit[:12]} in {time.time() - start:.0f} s")
    return repo, commit


# ------------------------------------------------------------ the patches

def load_series():
    with open(os.path.join(ROOT, "series", "series.toml"), "rb") as handle:
        return tomllib.load(handle)


def glue_at(glue, name, undos):
    """Final glue file NAME with the undo patches in force applied, in order."""
    src = os.path.join(glue, name)
    if not undos:
        with open(src, "rb") as handle:
            return handle.read()
    with tempfile.TemporaryDirectory() as tmp:
        for entry in os.listdir(glue):
            if os.path.isfile(os.path.join(glue, entry)):
                shutil.copy(os.path.join(glue, entry), tmp)
        for undo in undos:
            res = run(["patch", "-p1", "-s", "--fuzz=0", "--no-backup-if-mismatch", "-d", tmp,
                       "-i", os.path.join(ROOT, undo)], check=False)
            if res.returncode != 0:
                sys.exit(f"series: {undo} does not apply to the glue in {glue} (refresh it against the "
                         f"final files):\n{res.stdout}{res.stderr}")
        with open(os.path.join(tmp, name), "rb") as handle:
            return handle.read()


def headings(lines):
    """[(index of the title line, level)] of an rst file; level by order of first use."""
    order, out = [], []
    for i in range(1, len(lines)):
        under, title = lines[i].rstrip("\n"), lines[i - 1].rstrip("\n")
        if title.strip() and re.fullmatch(r"([=\-~^\"'`#*+])\1{2,}", under) and len(under) >= len(title.strip()):
            if under[0] not in order:
                order.append(under[0])
            over = i >= 2 and lines[i - 2].rstrip("\n") == under
            out.append((i - 2 if over else i - 1, order.index(under[0]), title.strip()))
    return out


def splice(text, spec, ours):
    lines = text.splitlines(keepends=True)
    heads = headings(lines)
    name = spec.get("replace") or spec.get("before")
    found = [(k, h) for k, h in enumerate(heads) if h[2] == name]
    if len(found) != 1:
        sys.exit(f"series: {spec['file']}: {len(found)} headings named {name!r}, want 1")
    k, (start, level, _) = found[0]
    if "before" in spec:
        return "".join(lines[:start]) + ours + "".join(lines[start:])
    end = next((h[0] for h in heads[k + 1:] if h[1] <= level), len(lines))
    return "".join(lines[:start]) + ours + "".join(lines[end:])


def insert_line(text, spec):
    """Insert spec["line"] before (or after) the one line starting with the anchor."""
    anchor = spec.get("before") or spec["after"]
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.startswith(anchor)]
    if len(hits) != 1:
        sys.exit(f"series: {spec['file']}: {len(hits)} lines start with {anchor!r}, want 1")
    at = hits[0] + (0 if "before" in spec else 1)
    return "".join(lines[:at]) + spec["line"] + "\n" + "".join(lines[at:])


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as handle:
        return handle.read()


def build_states(series, glue, repo, pristine):
    """[(patch, {in-tree path: (bytes, mode)} changed by the patch)], cumulative state kept."""
    state, sources, undos, out = {}, {}, [], []
    for patch in series["patch"]:
        changed = {}
        undos = [u for u in undos if u not in patch.get("redo", [])] + list(patch.get("undo", []))
        for path, src in patch.get("files", {}).items():
            sources[path] = src
        for path, src in sources.items():
            if src.startswith("glue-at:"):
                data = glue_at(glue, src[len("glue-at:"):], undos)
            elif src.startswith("glue:"):
                with open(os.path.join(glue, src[len("glue:"):]), "rb") as handle:
                    data = handle.read()
            else:
                with open(os.path.join(ROOT, src), "rb") as handle:
                    data = handle.read()
            mode = "100755" if path in patch.get("exec", []) or state.get(path, (0, ""))[1] == "100755" else "100644"
            if state.get(path) != (data, mode):
                changed[path] = state[path] = (data, mode)
        for spec in patch.get("edits", []) + patch.get("splice", []):
            path = spec["file"]
            text = state[path][0].decode() if path in state else git(repo, "show", f"{pristine}:{path}") + "\n"
            text = insert_line(text, spec) if "line" in spec else splice(text, spec, read(spec["with"]))
            changed[path] = state[path] = (text.encode(), "100644")
        out.append((patch, changed))
    for undo in undos:
        sys.exit(f"series: {undo} is still in force after the last patch (no redo)")
    return out


def message(patch):
    return f"{patch['subject']}\n\n{patch['body'].strip()}\n\nSigned-off-by: {IDENT['GIT_AUTHOR_NAME']} <{IDENT['GIT_AUTHOR_EMAIL']}>\n"


def put_in_tree(repo, tree_, entries):
    """The tree `tree_` with entries {path: (mode, blob)} put in: only the
    directories on their paths are rewritten (git mktree), nothing is checked out."""
    here, below = {}, {}
    for path, entry in entries.items():
        head, _, rest = path.partition("/")
        if rest:
            below.setdefault(head, {})[rest] = entry
        else:
            here[head] = entry
    listing = {}
    if tree_:
        for line in git(repo, "ls-tree", "-z", tree_).split("\0"):
            if line:
                meta, name = line.split("\t", 1)
                listing[name] = meta
    for name, sub in below.items():
        old = listing.get(name)
        sha = put_in_tree(repo, old.split()[2] if old else None, sub)
        listing[name] = f"040000 tree {sha}"
    for name, (mode, blob) in here.items():
        listing[name] = f"{mode} blob {blob}"
    text = "".join(f"{meta}\t{name}\0" for name, meta in listing.items())
    return git(repo, "mktree", "-z", input=text)


def commit_series(repo, pristine, states, date):
    env = dict(IDENT, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    parent = pristine
    tree_ = git(repo, "rev-parse", f"{pristine}^{{tree}}")
    for patch, changed in states:
        entries = {}
        for path, (data, mode) in sorted(changed.items()):
            entries[path] = (mode, run(["git", "-C", repo, "hash-object", "-w", "--stdin"],
                                       input=data.decode()).stdout.strip())
        tree_ = put_in_tree(repo, tree_, entries)
        parent = git(repo, "commit-tree", tree_, "-p", parent, env=env, input=message(patch))
    git(repo, "update-ref", f"refs/heads/{BRANCH}", parent)
    return parent


# ------------------------------------------------------------ the cover letter

def figure(rel, pattern):
    text = re.sub(r"\s+", " ", read(rel))
    match = re.search(pattern, text)
    if not match:
        sys.exit(f"series: the cover letter's figure {pattern!r} is no longer in {rel}: update series/cover.txt")
    return match.groups() if len(match.groups()) > 1 else match.group(1)


VERIFY_BENCH = "bench/results.md"


def bench_states(search):
    """'0.23M to 1.60M': the range of states of one search of the default
    suite in make bench's table."""
    rows = re.findall(rf"^\| \w+ \| {search} \| [\w-]+ \| ([\d,]+) \|", read(VERIFY_BENCH), re.M)
    if not rows:
        sys.exit(f"series: no {search} rows in {VERIFY_BENCH}: run make bench")
    states = sorted(int(r.replace(",", "")) for r in rows)
    if search == "liveness":
        states = states[1:]  # the known limit's short refutation is not a proof's search
    return f"{states[0] / 1e6:.2f}M to {states[-1] / 1e6:.2f}M"


def model_figures():
    """The mutants, the configurations and the cells, from the files that
    define them (no retyped figure)."""
    sys.path.insert(0, os.path.join(ROOT, "codegen"))
    sys.path.insert(0, os.path.join(ROOT, "proofs"))
    import fsmtable  # noqa: E402  (the project's own modules, found just above)
    import spinrun  # noqa: E402
    fsm = fsmtable.parse(os.path.join(ROOT, "model", "vfio_ccw.pml"))
    cells = len(fsm.state_names) * len(fsm.event_names)
    mutants = spinrun.load_toml(os.path.join(ROOT, "proofs", "mutations.toml"))["mutation"]
    model_mutants = sum(1 for m in mutants if m.get("kind", "model") == "model")
    return {"mutants": str(model_mutants),
            "cells_dispatched": f"{cells - len(fsm.unreachable)} of the {cells}",
            "cells_unreachable": str(len(fsm.unreachable)),
            "configurations": ", ".join(c for c, _ in spinrun.load_suite("default"))}


def cover_values(pristine):
    return {
        "pristine": pristine[:12],
        "verify_wall": figure(VERIFY_BENCH, r"### suite default: (\d+) s wall"),
        "verify_results": figure(VERIFY_BENCH, r"verify: PASS \((\d+) passed"),
        "safety_states": bench_states("safety"),
        "liveness_states": bench_states("liveness"),
        "pan_cpu": figure(VERIFY_BENCH, r"CPU in pan: (\d+) s"),
        **model_figures(),
        "qemu_busy": " of ".join(figure("tests/qemu/README.md", r"\*\*(\d+) of (\d+) IO_REQ found BUSY\*\*")),
        "bench_rps": figure("bench/qemu_results-6.12.md", r"\| 4 writers: requests/s \| ([^|]+\|[^|]+\| [\d.]+) \|"),
        "bench_cpu": figure("bench/qemu_results-6.12.md",
                            r"\| 4 writers: CPU ms in write\(\) per request \| ([^|]+\|[^|]+\| [\d.]+) \|"),
    }


def write_cover(outdir, series, values):
    cover = os.path.join(outdir, "0000-cover-letter.patch")
    with open(cover, encoding="utf-8") as handle:
        text = handle.read()
    with open(os.path.join(ROOT, "series", "cover.txt"), encoding="utf-8") as handle:
        blurb = handle.read().format(**values).strip()
    text = text.replace("*** SUBJECT HERE ***", series["series"]["subject"]).replace("*** BLURB HERE ***", blurb)
    with open(cover, "w", encoding="utf-8") as handle:
        handle.write(text)


def make_series(glue):
    start = time.time()
    repo, pristine = pristine_repo()
    series = load_series()
    states = build_states(series, glue, repo, pristine)
    date = git(ROOT, "log", "-1", "--format=%cI")
    head = commit_series(repo, pristine, states, date)
    outdir = os.path.join(ROOT, "build", "series")
    shutil.rmtree(outdir, ignore_errors=True)
    git(repo, "format-patch", "-q", "--cover-letter", f"--base={pristine}", "--no-signature",
        "--zero-commit", "-o", outdir, f"{pristine}..{head}")
    write_cover(outdir, series, cover_values(pristine))
    names = sorted(os.listdir(outdir))
    log(f"{len(names) - 1} patches and the cover letter in build/series/ ({time.time() - start:.1f} s), "
        f"glue from {glue}")
    return repo, pristine, head, [os.path.join(outdir, n) for n in names]


# ------------------------------------------------------------ the check build

def kbuild_dir(repo):
    """The O= build of the check checkout: tinyconfig + kernel.config +
    kernel-6.12.config with CONFIG_VFIO_CCW=m, prepared once (a vmlinux
    build, for the Module.symvers that modpost resolves vfio_ccw.ko's
    symbols against: without it modpost warns and cannot check them)."""
    fragments = [os.path.join(ROOT, "kernel", "kernel.config"), os.path.join(ROOT, "kernel", f"kernel-{KERNEL}.config")]
    text = ""
    for frag in fragments:
        with open(frag, encoding="utf-8") as handle:
            text += "".join(line for line in handle if "CONFIG_VFIO_CCW" not in line)
    text += "CONFIG_VFIO_CCW=m\n"
    key = hashlib.sha256((text + repo).encode()).hexdigest()[:12]
    out = os.path.join(CACHE, f"series-kbuild-{key}")
    if os.path.exists(os.path.join(out, ".vfio-ccw-built")):
        return out
    log(f"configuring and building Linux {KERNEL} (CONFIG_VFIO_CCW=m) in {out} (once, -j2)")
    start = time.time()
    os.makedirs(out, exist_ok=True)
    frag = os.path.join(out, "vfio-ccw-check.config")
    with open(frag, "w", encoding="utf-8") as handle:
        handle.write(text)
    kmake(repo, out, "-s", "tinyconfig")
    run([os.path.join(repo, "scripts", "kconfig", "merge_config.sh"), "-m", "-O", out,
         os.path.join(out, ".config"), frag])
    kmake(repo, out, "-s", "olddefconfig")
    with open(os.path.join(out, ".config"), encoding="utf-8") as handle:
        config = set(handle.read().splitlines())
    missing = [line for line in text.splitlines() if line and not line.startswith("#") and line not in config]
    if missing:
        sys.exit(f"series: these options did not take effect: {missing}")
    # the pristine vmlinux and modules: Module.symvers for modpost
    kmake(repo, out, "-s", f"-j{JOBS}")
    open(os.path.join(out, ".vfio-ccw-built"), "w").close()
    log(f"kernel built in {time.time() - start:.0f} s")
    return out


JOBS = int(os.environ.get("SERIES_JOBS", "2"))


def kmake(repo, out, *args, check=True):
    return run(["make", "-C", repo, f"O={out}", "ARCH=s390", "CROSS_COMPILE=s390x-linux-gnu-", *args],
               check=check)


# ------------------------------------------------------------ series-check

CIO = "drivers/s390/cio"
WARN = re.compile(r"warning|error", re.I)


MAINTAINERS_ENTRY = "S390 VFIO-CCW DRIVER"


def maintained(repo, paths):
    """Whether every path matches an F: pattern of our MAINTAINERS entry."""
    with open(os.path.join(repo, "MAINTAINERS"), encoding="utf-8") as handle:
        text = handle.read()
    entry = text[text.index("\n" + MAINTAINERS_ENTRY + "\n"):].split("\n\n", 1)[0]
    patterns = [line[3:].strip() for line in entry.splitlines() if line.startswith("F:\t")]
    return all(any(fnmatch.fnmatch(p, pat) or (pat.endswith("/") and p.startswith(pat)) for pat in patterns)
               for p in paths)


def checkpatch(repo, patch):
    """(errors, warnings, checks), the findings, the output. FILE_PATH_CHANGES
    ("does MAINTAINERS need updating?") is not counted when every file the
    patch creates is already covered by the vfio-ccw entry of MAINTAINERS:
    checkpatch asks it of any patch that adds a file without touching
    MAINTAINERS."""
    res = run([os.path.join(repo, "scripts", "checkpatch.pl"), "--strict", "--show-types", patch],
              cwd=repo, check=False)
    out = res.stdout + res.stderr
    total = re.search(r"total: (\d+) errors, (\d+) warnings, (\d+) checks", out)
    counts = [int(n) for n in total.groups()] if total else None
    notes = [line for line in out.splitlines() if re.match(r"(ERROR|WARNING|CHECK):", line)]
    with open(patch, encoding="utf-8") as handle:
        created = re.findall(r"^ create mode \d+ (\S+)$", handle.read(), re.M)
    if counts and "WARNING:FILE_PATH_CHANGES:" in out and created and maintained(repo, created):
        counts[1] -= 1
        notes = [n + " (not counted: covered by MAINTAINERS' " + MAINTAINERS_ENTRY + ")"
                 if n.startswith("WARNING:FILE_PATH_CHANGES") else n for n in notes]
    return counts, notes, out


def build(repo, out, targets):
    """W=1 build of targets with sparse (C=1), every vfio_ccw object compiled
    again: the warning lines."""
    for name in os.listdir(os.path.join(out, CIO)) if os.path.isdir(os.path.join(out, CIO)) else []:
        if name.startswith(("vfio_ccw", ".vfio_ccw")):	# objects, .mod, .ko, their .cmd
            os.unlink(os.path.join(out, CIO, name))
    res = kmake(repo, out, f"-j{JOBS}", "W=1", "C=1", *targets, check=False)
    text = res.stdout + res.stderr
    lines = [line for line in text.splitlines() if WARN.search(line)]
    if res.returncode != 0 and not lines:
        lines = [f"make exit status {res.returncode}"]
    return lines, text


def untouched(repo, pristine, line):
    """Whether a warning line names a source file still byte-identical to the pristine tree's."""
    match = re.match(r"(\S+?\.[ch]):\d+", line)
    if not match:
        return False
    path = os.path.relpath(match.group(1), repo) if os.path.isabs(match.group(1)) else match.group(1)
    if path.startswith(".."):
        return False
    return run(["git", "-C", repo, "diff", "--quiet", pristine, "--", path], check=False).returncode == 0


def rst_check(repo, pristine):
    """docutils warnings (level 2 and up) of each .rst the series changes."""
    try:
        import docutils.core
        import io
    except ImportError:
        return ["skipped: python3-docutils is missing"]
    problems = []
    for path in git(repo, "diff", "--name-only", pristine, "HEAD", "--", "*.rst").split():
        stream = io.StringIO()
        with open(os.path.join(repo, path), encoding="utf-8") as handle:
            docutils.core.publish_doctree(handle.read(), source_path=path, settings_overrides={
                "report_level": 2, "halt_level": 5, "warning_stream": stream})
        problems += [line for line in stream.getvalue().splitlines() if line.strip()]
    return problems


def check(glue):
    start = time.time()
    repo, pristine, head, files = make_series(glue)
    t_series = time.time() - start
    patches = [f for f in files if not os.path.basename(f).startswith("0000-")]
    git(repo, "checkout", "-q", "-f", "--detach", pristine)
    git(repo, "clean", "-q", "-f", "-d", "-x")
    out = kbuild_dir(repo)
    t_prepared = time.time()
    report, failed = [], False
    logdir = os.path.join(ROOT, "build", "series-check")
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    for number, patch in enumerate(patches, 1):
        t0 = time.time()
        res = run(["git", "-C", repo, "am", "-q", "--whitespace=error-all", patch], check=False)
        if res.returncode != 0:
            run(["git", "-C", repo, "am", "--abort"], check=False)
            report.append(f"{number}: git am FAILED: {res.stdout}{res.stderr}")
            failed = True
            break
        counts, notes, cp_text = checkpatch(repo, patch)
        targets = [f"{CIO}/vfio_ccw.ko"]
        makefile = open(os.path.join(repo, CIO, "Makefile"), encoding="utf-8").read()
        if os.path.exists(os.path.join(repo, CIO, "vfio_ccw_fsm_table.c")) and "vfio_ccw_fsm_table.o" not in makefile:
            targets.append(f"{CIO}/vfio_ccw_fsm_table.o")	# added, not linked yet: compiled alone
        warnings, build_text = build(repo, out, targets)
        upstream = [w for w in warnings if untouched(repo, pristine, w)]
        warnings = [w for w in warnings if w not in upstream]
        name = os.path.basename(patch)
        with open(os.path.join(logdir, name + ".log"), "w", encoding="utf-8") as handle:
            handle.write(f"== checkpatch --strict\n{cp_text}\n== make W=1 {' '.join(targets)}\n{build_text}")
        ok = counts is not None and tuple(counts[:2]) == (0, 0) and not warnings
        failed |= not ok
        cp = "checkpatch: " + (f"{counts[0]} errors, {counts[1]} warnings, {counts[2]} checks" if counts
                               else "no total line")
        report.append(f"{number}: {'ok  ' if ok else 'FAIL'} {name}: {cp}; W=1 "
                      f"{' '.join(t.split('/')[-1] for t in targets)} (and sparse): {len(warnings)} warning/error lines "
                      f"({time.time() - t0:.0f} s)")
        report += [f"     {line}" for line in notes + warnings]
        report += [f"     {line} (not counted: upstream's, in a file the series has not touched yet)"
                   for line in upstream]
    if not failed:
        res = run(["make", "-s", "-C", os.path.join(repo, "tools", "vfio-ccw"), "check", "spin",
                   "PYTHON=/usr/bin/python3"], check=False)
        report.append(f"tools/vfio-ccw: make check spin: {'ok' if res.returncode == 0 else 'FAIL'}: "
                      + " / ".join((res.stdout + res.stderr).strip().splitlines()))
        failed |= res.returncode != 0
    if not failed:
        problems = rst_check(repo, pristine)
        report.append("Documentation: " + ("; ".join(problems) if problems else
                                           "every .rst the series changes parses with docutils, no warning"))
        failed |= bool(problems) and not problems[0].startswith("skipped")
    total = time.time() - start
    report.append(f"times: series {t_series:.0f} s, pristine checkout and kernel {t_prepared - start - t_series:.0f} s, "
                  f"per-patch checks {time.time() - t_prepared:.0f} s, total {total:.0f} s")
    text = "\n".join(report) + "\n"
    with open(os.path.join(logdir, "summary.txt"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text, end="")
    print(f"series-check: {'FAILED' if failed else 'all patches apply, build with W=1 without warnings and pass checkpatch'}"
          f" (logs: build/series-check/)")
    return 1 if failed else 0


def export_glue(spec):
    worktree, _, rev = spec.partition("@")
    commit = git(worktree, "rev-parse", "--verify", (rev or "HEAD") + "^{commit}")
    dest = os.path.join(ROOT, "build", f"glue-{commit[:12]}")
    if not os.path.isdir(os.path.join(dest, "kernel")):
        os.makedirs(dest, exist_ok=True)
        archive = subprocess.run(["git", "-C", worktree, "archive", commit, "kernel"], stdout=subprocess.PIPE,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    log(f"glue: kernel/ of {worktree} at {commit[:12]}")
    return os.path.join(dest, "kernel")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["pristine", "kbuild", "series", "check"])
    parser.add_argument("--glue", default=os.path.join(ROOT, "kernel"),
                        help="directory of the final driver glue (default: kernel/)")
    parser.add_argument("--glue-git", metavar="WORKTREE[@REV]",
                        help="take the glue from kernel/ of a commit (default HEAD) of that git work tree, "
                             "exported into build/glue-<commit>/kernel")
    args = parser.parse_args(argv)
    if args.glue_git:
        args.glue = export_glue(args.glue_git)
    if args.command == "pristine":
        print(pristine_repo()[0])
        return 0
    if args.command == "series":
        make_series(os.path.abspath(args.glue))
        return 0
    if args.command == "check":
        return check(os.path.abspath(args.glue))
    if args.command == "kbuild":
        print(kbuild_dir(pristine_repo()[0]))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
