#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the C jump table, guards and the FSM picture from the model.

    fsmgen.py            write generated/ and docs/ (all or nothing)
    fsmgen.py --check    exit 1 if a committed output is stale
    fsmgen.py --model M --root R --c-dir D --no-dot [--check]
                         the same for another layout; in a kernel tree
                         (the model next to this script) the defaults are
                         tools/vfio-ccw/vfio_ccw.pml, the tree's top,
                         drivers/s390/cio and no picture

The table comes from the model (model/vfio_ccw.pml here, in a kernel tree
tools/vfio-ccw/vfio_ccw.pml), the file SPIN verifies; nothing else holds a
copy of it. Output is deterministic: same model, same bytes, whatever the
layout: the files name the kernel tree's paths, so the table this
repository commits is byte for byte the one the kernel tree commits.
"""

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

import fsmtable

HERE = os.path.dirname(os.path.abspath(__file__))
# In a kernel tree the model sits next to this script (tools/vfio-ccw/) and
# the table goes to drivers/s390/cio/, without a picture; here, the model is
# model/vfio_ccw.pml and the outputs go to generated/ and docs/.
IN_KERNEL_TREE = os.path.exists(os.path.join(HERE, "vfio_ccw.pml"))
if IN_KERNEL_TREE:
    ROOT = os.path.dirname(os.path.dirname(HERE))
    MODEL = os.path.join(HERE, "vfio_ccw.pml")
    C_DIR, DOT_DIR = "drivers/s390/cio", None
    REGEN_HINT = "make -C tools/vfio-ccw regen"
else:
    ROOT = os.path.dirname(HERE)
    MODEL = os.path.join(ROOT, "model", "vfio_ccw.pml")
    C_DIR, DOT_DIR = "generated", "docs"
    REGEN_HINT = "make generate"
# templates/ next to this script (kernel tree) or beside its directory (here)
TEMPLATES = next((d for d in (os.path.join(HERE, "templates"), os.path.join(ROOT, "templates"))
                  if os.path.isdir(d)), os.path.join(HERE, "templates"))
C_OUTPUTS = {
    "vfio_ccw_fsm_table.h": "vfio_ccw_fsm_table.h.j2",
    "vfio_ccw_fsm_table.c": "vfio_ccw_fsm_table.c.j2",
}
DOT_OUTPUT = ("vfio_ccw_fsm.dot", "vfio_ccw_fsm.dot.j2")
# What the generated files cite: the paths in the kernel tree, in every layout
CITED_DIR = "tools/vfio-ccw"
CITED_MODEL = CITED_DIR + "/vfio_ccw.pml"
CITED_GENERATOR = CITED_DIR + "/" + os.path.basename(__file__)
CITED_REGEN = "make -C " + CITED_DIR + " regen"
PROTOTYPE = "enum vfio_ccw_state "


def _jinja():
    try:
        import jinja2
    except ImportError:
        sys.exit("fsmgen: Jinja2 is missing; install it with: apt-get install python3-jinja2 "
                 "(and run this with /usr/bin/python3)")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def function(action):
    return "vfio_ccw_fsm_" + action.lower()


def _align(column):
    """Tabs then spaces reaching a column, as the kernel style aligns."""
    return "\t" * (column // 8) + " " * (column % 8)


def _answer(cell):
    if cell.action == "ERROR":
        return "-" + cell.errno
    if cell.action == "WAIT":
        return "VFIO_CCW_FSM_RETRY"
    return ""  # NOP: 0, the default


def _fixed_label(cell):
    return {"ERROR": f"{cell.event}: -{cell.errno}", "WAIT": f"{cell.event}: sleep, retry"}.get(cell.action)


def context(fsm):
    rows = {s.name: [] for s in fsm.states}
    fixed = {s.name: [] for s in fsm.states}
    edges = {}
    for state in fsm.states:
        for event in fsm.events:
            cell = fsm.cell(state.name, event.name)
            rows[state.name].append({
                "event": event.name, "state": "ST_" + state.name, "event_id": "EV_" + event.name,
                "function": "" if cell.fixed else function(cell.action),
                "answer": _answer(cell),
                "allowed": [f"BIT(VFIO_CCW_STATE_{n})" for n in cell.next_states],
            })
            if cell.fixed:
                if _fixed_label(cell):
                    fixed[state.name].append(_fixed_label(cell))
                continue
            for target in cell.next_states:
                edges.setdefault((state.name, target), []).append(f"{event.name} / {cell.action.lower()}")
    actions = [{"function": function(a.name),
                "indent": _align(len(PROTOTYPE) + len(function(a.name)) + 1)} for a in fsm.actions]
    return {
        "model": CITED_MODEL, "generator": CITED_GENERATOR, "regen": CITED_REGEN, "states": fsm.states, "events": fsm.events, "actions": actions, "rows": rows,
        "fixed": fixed,
        "edges": [{"src": s, "dst": d, "label": "\\n".join(labels)} for (s, d), labels in edges.items()],
    }


def render(fsm, c_dir="generated", dot_dir="docs"):
    """All outputs as {path relative to the root: text}; dot_dir None: no picture."""
    env = _jinja()
    values = context(fsm)
    outputs = {os.path.join(c_dir, name): template for name, template in C_OUTPUTS.items()}
    if dot_dir is not None:
        outputs[os.path.join(dot_dir, DOT_OUTPUT[0])] = DOT_OUTPUT[1]
    return {out: env.get_template(template).render(values) for out, template in outputs.items()}


SVG_STAMP = "<!-- drawn by `make generate` from {dot}, sha256 {digest} -->"


def svg_stamp(dot_rel, dot_text):
    """The line an .svg drawn from dot_text carries, so that it cannot go
    stale unnoticed (graphviz's own output differs between versions: the
    drawing is checked by what it was drawn from)."""
    digest = hashlib.sha256(dot_text.encode()).hexdigest()[:16]
    return SVG_STAMP.format(dot=dot_rel, digest=digest)


def svg_problems(outputs, root=ROOT):
    """The .svg beside each .dot output must carry the stamp of that .dot."""
    problems = []
    for rel, text in outputs.items():
        if not rel.endswith(".dot"):
            continue
        svg = rel[:-4] + ".svg"
        try:
            with open(os.path.join(root, svg), encoding="utf-8") as handle:
                drawn = handle.read()
        except FileNotFoundError:
            problems.append(f"{svg} is missing: run `make generate` and commit it")
            continue
        if svg_stamp(rel, text) not in drawn:
            problems.append(f"{svg} was not drawn from the current {rel}: run `make generate` and commit it")
    return problems


def stale(outputs, root=ROOT):
    """Problems for outputs that differ from what is on disk."""
    problems = []
    for rel, text in outputs.items():
        path = os.path.join(root, rel)
        try:
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        except FileNotFoundError:
            problems.append(f"{rel} is missing: run `{REGEN_HINT}` and commit it")
            continue
        if current != text:
            problems.append(f"{rel} is stale (the model or a template changed): run `{REGEN_HINT}` and commit it")
    return problems + svg_problems(outputs, root)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write(outputs, root=ROOT):
    """Write every output through a temporary file, so none is half-written."""
    for rel, text in outputs.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".fsmgen-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(tmp, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=MODEL)
    parser.add_argument("--root", default=ROOT, help="the directory --c-dir and --dot-dir are in")
    parser.add_argument("--c-dir", default=C_DIR, help=f"where the C table goes, under --root ({C_DIR})")
    parser.add_argument("--dot-dir", default=DOT_DIR, help="where the picture's .dot goes, under --root")
    parser.add_argument("--no-dot", action="store_true", help="no picture (a kernel tree has none)")
    parser.add_argument("--check", action="store_true", help="only check that the outputs are up to date")
    parser.add_argument("--draw", action="store_true", help="also draw the .svg of each .dot (graphviz)")
    args = parser.parse_args(argv)
    try:
        fsm = fsmtable.parse(args.model)
    except FileNotFoundError:
        print(f"fsmgen: {args.model}: no such file", file=sys.stderr)
        return 1
    except fsmtable.TableError as err:
        for problem in err.problems:
            print(f"fsmgen: {problem}", file=sys.stderr)
        print("fsmgen: nothing written", file=sys.stderr)
        return 1
    outputs = render(fsm, args.c_dir, None if args.no_dot or args.dot_dir is None else args.dot_dir)
    if args.check:
        problems = stale(outputs, args.root)
        for problem in problems:
            print(f"fsmgen: {problem}", file=sys.stderr)
        return 1 if problems else 0
    write(outputs, args.root)
    if args.draw:
        return draw(outputs, args.root)
    return 0


def draw(outputs, root=ROOT):
    """The .svg of each .dot output, stamped with what it was drawn from."""
    if shutil.which("dot") is None:
        print("fsmgen: dot is missing; install it with: apt-get install graphviz", file=sys.stderr)
        return 1
    for rel, text in outputs.items():
        if not rel.endswith(".dot"):
            continue
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
        if svg.returncode != 0:
            print(f"fsmgen: dot refused {rel}: {svg.stderr.strip()}", file=sys.stderr)
            return 1
        head, sep, rest = svg.stdout.partition("?>\n")
        stamped = f"{head}{sep}{svg_stamp(rel, text)}\n{rest}" if sep else svg_stamp(rel, text) + "\n" + svg.stdout
        write({rel[:-4] + ".svg": stamped}, root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
