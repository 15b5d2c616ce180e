"""Generator tests: the table read from the model, the C emitted, bad inputs."""

import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

import fsmgen  # noqa: E402
import fsmtable  # noqa: E402

MODEL = os.path.join(ROOT, "model", "vfio_ccw.pml")
GENERATOR = os.path.join(ROOT, "codegen", "fsmgen.py")


@pytest.fixture(scope="module")
def model_text():
    with open(MODEL, encoding="utf-8") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def fsm():
    return fsmtable.parse(MODEL)


def line_of(text, needle):
    return text[:text.index(needle)].count("\n") + 1


def generate(tmp_path, text):
    """Run the generator on a model text into an empty root; (exit, stderr, files written)."""
    model = tmp_path / "model.pml"
    model.write_text(text, encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    proc = subprocess.run([sys.executable, GENERATOR, "--model", str(model), "--root", str(root)],
                          capture_output=True, text=True)
    written = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return proc.returncode, proc.stderr, written, str(model)


# ------------------------------------------------------------ the good model

def test_model_has_five_states_eight_events_every_cell(fsm):
    assert fsm.state_names == ["NOT_OPER", "STANDBY", "IDLE", "BUSY", "QUIESCING"]
    assert fsm.event_names == ["INIT", "OPEN", "CLOSE", "IO_REQ", "INTERRUPT", "SCHIB_CHANGED", "NOT_OPER",
                               "ASYNC_REQ"]
    assert len(fsm.cells) == 40


def test_unreachable_marks_are_read_with_their_reason(fsm):
    assert ("BUSY", "OPEN") in fsm.unreachable and "OPEN" in fsm.unreachable[("BUSY", "OPEN")]
    assert all(key in fsm.cells for key in fsm.unreachable)


def test_fixed_cells_of_the_intent(fsm):
    assert fsm.cell("NOT_OPER", "IO_REQ").errno == "ENODEV"
    assert fsm.cell("STANDBY", "IO_REQ").errno == "EIO"
    assert fsm.cell("QUIESCING", "IO_REQ").errno == "EBUSY"
    assert fsm.cell("BUSY", "IO_REQ").action == "WAIT"
    assert fsm.cell("IDLE", "IO_REQ").next_states == ("IDLE", "BUSY")


def test_generation_is_deterministic(fsm):
    assert fsmgen.render(fsm) == fsmgen.render(fsmtable.parse(MODEL))


def test_committed_outputs_are_fresh():
    proc = subprocess.run([sys.executable, GENERATOR, "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_cell_in_the_c_table_matches_the_model(fsm):
    c_text = fsmgen.render(fsm)["generated/vfio_ccw_fsm_table.c"]
    table = c_text[c_text.index("vfio_ccw_jumptable[NR_VFIO_CCW_STATES]"):]
    rows = re.findall(r"\[VFIO_CCW_STATE_(\w+)\] = \{(.*?)\n\t\},", table, re.S)
    assert [name for name, _ in rows] == fsm.state_names
    for state, body in rows:
        cells = re.findall(r"/\* CELL\((ST_\w+), EV_\w+\) \*/\n\t\t\[VFIO_CCW_EVENT_(\w+)\] = \{(.*?)\n\t\t\}",
                           body, re.S)
        assert [event for _, event, _ in cells] == fsm.event_names
        for cited, event, fields in cells:
            cell = fsm.cell(state, event)
            assert cited == "ST_" + state
            allowed = re.findall(r"BIT\(VFIO_CCW_STATE_(\w+)\)", fields)
            assert tuple(allowed) == cell.next_states
            action = re.search(r"\.action = (\w+)", fields)
            answer = re.search(r"\.answer = ([-\w]+)", fields)
            if cell.fixed:
                assert action is None
                expected = {"NOP": None, "ERROR": "-" + cell.errno, "WAIT": "VFIO_CCW_FSM_RETRY"}[cell.action]
                assert (answer.group(1) if answer else None) == expected
            else:
                assert action.group(1) == "vfio_ccw_fsm_" + cell.action.lower()


def test_header_declares_every_action_once(fsm):
    header = fsmgen.render(fsm)["generated/vfio_ccw_fsm_table.h"]
    for action in fsm.actions:
        assert header.count(f"enum vfio_ccw_state vfio_ccw_fsm_{action.name.lower()}(") == 1
    assert "GENERATED FILE - DO NOT EDIT" in header and "tools/vfio-ccw/vfio_ccw.pml" in header


def test_kernel_tree_layout_gives_the_same_bytes(fsm, tmp_path):
    """The in-tree run (tools/vfio-ccw, drivers/s390/cio, no picture) writes generated/'s bytes."""
    proc = subprocess.run([sys.executable, GENERATOR, "--model", MODEL, "--root", str(tmp_path),
                           "--c-dir", "drivers/s390/cio", "--no-dot"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "drivers/s390/cio").iterdir()) == [
        "vfio_ccw_fsm_table.c", "vfio_ccw_fsm_table.h"]
    for name in ("vfio_ccw_fsm_table.c", "vfio_ccw_fsm_table.h"):
        with open(os.path.join(ROOT, "generated", name), encoding="utf-8") as committed:
            assert (tmp_path / "drivers/s390/cio" / name).read_text(encoding="utf-8") == committed.read()


def test_dot_has_an_edge_per_action_move(fsm):
    dot = fsmgen.render(fsm)["docs/vfio_ccw_fsm.dot"]
    assert "IDLE -> BUSY" in dot and "BUSY -> QUIESCING" in dot and "QUIESCING -> STANDBY" in dot
    assert "NOT_OPER -> STANDBY" in dot


# ------------------------------------------------------------ bad inputs

def replace_once(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


CELL_BUSY_ONLINE = "\tCELL(ST_BUSY, EV_OPEN, ACT_NOP, 0, TO(ST_BUSY));\n"
MARK_BUSY_ONLINE = ('\tUNREACHABLE(ST_BUSY, EV_OPEN, "only open and reset raise OPEN, '
                    'one at a time, after a CLOSE waited out");\n')

BAD_MODELS = {
    "missing cell": (lambda t: replace_once(t, CELL_BUSY_ONLINE, ""),
                     "missing cell ST_BUSY x EV_OPEN"),
    "doubled cell": (lambda t: replace_once(t, CELL_BUSY_ONLINE, CELL_BUSY_ONLINE * 2),
                     "cell BUSY x OPEN given twice"),
    "unknown state": (lambda t: replace_once(t, CELL_BUSY_ONLINE, CELL_BUSY_ONLINE.replace("CELL(ST_BUSY", "CELL(ST_BUSYY")),
                      "cell ST_BUSYY x EV_OPEN: unknown state 'ST_BUSYY'"),
    "unknown event": (lambda t: replace_once(t, CELL_BUSY_ONLINE, CELL_BUSY_ONLINE.replace("EV_OPEN", "EV_RESET")),
                      "unknown event 'EV_RESET'"),
    "unknown action": (lambda t: replace_once(t, CELL_BUSY_ONLINE, CELL_BUSY_ONLINE.replace("ACT_NOP", "ACT_RESET")),
                       "unknown action 'ACT_RESET'"),
    "next state not declared": (lambda t: replace_once(t, CELL_BUSY_ONLINE,
                                                       CELL_BUSY_ONLINE.replace("TO(ST_BUSY)", "TO(ST_LIMBO)")),
                                "next state 'ST_LIMBO' is not a declared state"),
    "fixed answer changes state": (lambda t: replace_once(t, CELL_BUSY_ONLINE,
                                                          CELL_BUSY_ONLINE.replace("TO(ST_BUSY)", "TO(ST_IDLE)")),
                                   "fixed answer NOP keeps the state"),
    "error without errno": (lambda t: replace_once(t, "EV_IO_REQ, ACT_ERROR, EIO,", "EV_IO_REQ, ACT_ERROR, 0,"),
                            "ACT_ERROR needs an errno"),
    "errno on an action": (lambda t: replace_once(t, "ST_IDLE, EV_INTERRUPT, ACT_IRQ, 0,", "ST_IDLE, EV_INTERRUPT, ACT_IRQ, EIO,"),
                           "errno 'EIO' given to IRQ"),
    "not a cell": (lambda t: replace_once(t, CELL_BUSY_ONLINE, CELL_BUSY_ONLINE + "\tcell_action[0] = 1;\n"),
                   "expected 'CELL(state, event, action, errno, next);'"),
    "state numbering gap": (lambda t: replace_once(t, "#define ST_QUIESCING\t4", "#define ST_QUIESCING\t5"),
                            "state QUIESCING is 5, expected 4"),
    "table block not closed": (lambda t: replace_once(t, "/* @fsm end */\n}", "}"),
                               "'@fsm table' block is never closed"),
    "unreachable state": (lambda t: t.replace("TO(ST_QUIESCING) | ", ""),
                          "state ST_QUIESCING is unreachable from ST_NOT_OPER"),
    "unreachable mark without a reason": (lambda t: replace_once(t, MARK_BUSY_ONLINE, MARK_BUSY_ONLINE.split(",")[0]
                                                                  + ', EV_OPEN, " ");\n'),
                                          "UNREACHABLE(ST_BUSY, EV_OPEN) must say why"),
    "unreachable mark twice": (lambda t: replace_once(t, MARK_BUSY_ONLINE, MARK_BUSY_ONLINE * 2),
                               "cell ST_BUSY x EV_OPEN marked UNREACHABLE twice"),
    "unreachable mark of no cell": (lambda t: replace_once(t, MARK_BUSY_ONLINE, MARK_BUSY_ONLINE.replace("EV_OPEN", "EV_RESET")),
                                    "UNREACHABLE(ST_BUSY, EV_RESET) names no cell of the table"),
}


@pytest.mark.parametrize("case", sorted(BAD_MODELS))
def test_bad_model_is_refused_with_file_line_and_nothing_written(tmp_path, model_text, case):
    mutate, message = BAD_MODELS[case]
    code, stderr, written, model = generate(tmp_path, mutate(model_text))
    assert code == 1
    assert message in stderr
    assert re.search(re.escape(model) + r":\d+: ", stderr), stderr
    assert "nothing written" in stderr
    assert written == []


def test_error_names_the_line_of_the_bad_cell(tmp_path, model_text):
    text = replace_once(model_text, CELL_BUSY_ONLINE, CELL_BUSY_ONLINE.replace("CELL(ST_BUSY", "CELL(ST_BUSYY"))
    code, stderr, _, model = generate(tmp_path, text)
    assert code == 1
    assert f"{model}:{line_of(text, 'CELL(ST_BUSYY')}: cell ST_BUSYY x EV_OPEN" in stderr


def test_all_problems_reported_in_one_run(tmp_path, model_text):
    text = replace_once(model_text, CELL_BUSY_ONLINE, "")
    text = replace_once(text, "EV_IO_REQ, ACT_ERROR, EIO,", "EV_IO_REQ, ACT_ERROR, 0,")
    code, stderr, _, _ = generate(tmp_path, text)
    assert code == 1
    assert "missing cell ST_BUSY x EV_OPEN" in stderr and "ACT_ERROR needs an errno" in stderr


def test_existing_outputs_untouched_on_error(tmp_path, model_text):
    root = tmp_path / "root"
    (root / "generated").mkdir(parents=True)
    kept = root / "generated" / "vfio_ccw_fsm_table.c"
    kept.write_text("previous\n")
    model = tmp_path / "bad.pml"
    model.write_text(replace_once(model_text, CELL_BUSY_ONLINE, ""))
    proc = subprocess.run([sys.executable, GENERATOR, "--model", str(model), "--root", str(root)],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert kept.read_text() == "previous\n"


def test_missing_model_file(tmp_path):
    proc = subprocess.run([sys.executable, GENERATOR, "--model", str(tmp_path / "nope.pml")],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "no such file" in proc.stderr


def test_check_reports_stale_output(tmp_path, model_text):
    code, _, written, model = generate(tmp_path, model_text)
    assert code == 0 and written == ["docs/vfio_ccw_fsm.dot", "generated/vfio_ccw_fsm_table.c",
                                      "generated/vfio_ccw_fsm_table.h"]
    root = tmp_path / "root"
    target = root / "generated" / "vfio_ccw_fsm_table.c"
    target.write_text(target.read_text().replace("-ENODEV", "-EIO", 1))
    proc = subprocess.run([sys.executable, GENERATOR, "--model", model, "--root", str(root), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "generated/vfio_ccw_fsm_table.c is stale" in proc.stderr


def test_check_reports_a_drawing_of_another_dot(tmp_path, model_text):
    """The .svg carries the hash of the .dot it was drawn from; --check compares it."""
    model = tmp_path / "model.pml"
    model.write_text(model_text)
    root = tmp_path / "root"
    root.mkdir()
    drawn = subprocess.run([sys.executable, GENERATOR, "--model", str(model), "--root", str(root), "--draw"],
                           capture_output=True, text=True)
    assert drawn.returncode == 0, drawn.stderr
    check = [sys.executable, GENERATOR, "--model", str(model), "--root", str(root), "--check"]
    assert subprocess.run(check, capture_output=True, text=True).returncode == 0
    svg = root / "docs" / "vfio_ccw_fsm.svg"
    svg.write_text(svg.read_text().replace("sha256 ", "sha256 0", 1))
    proc = subprocess.run(check, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "docs/vfio_ccw_fsm.svg was not drawn from the current docs/vfio_ccw_fsm.dot" in proc.stderr
