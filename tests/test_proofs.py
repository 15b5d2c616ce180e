"""The proof runner's front door: unknown names and bad inputs are refused
with the file and line, and a verdict is read from the searches that ran."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "proofs"))
sys.path.insert(0, os.path.join(ROOT, "codegen"))

import spinrun  # noqa: E402
import verify  # noqa: E402
import mutate  # noqa: E402

MODEL = os.path.join(ROOT, "model", "vfio_ccw.pml")


def run(tool, *args):
    """A proof tool run (no search is reached by these inputs)."""
    done = subprocess.run([sys.executable, os.path.join(ROOT, "proofs", tool), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    return done.returncode, done.stderr


@pytest.mark.parametrize("tool,args,names", [
    ("verify.py", ["--config", "nosuch"], "configuration 'nosuch'"),
    ("verify.py", ["--suite", "nosuch"], "suite 'nosuch'"),
    ("verify.py", ["--property", "nosuch"], "property 'nosuch'"),
    ("mutate.py", ["--only", "nosuch"], "mutation 'nosuch'"),
    ("mutate.py", ["--config", "nosuch"], "configuration 'nosuch'"),
])
def test_unknown_names_exit_2_with_the_known_ones(tool, args, names):
    code, err = run(tool, *args, "--skip-generated-check") if tool == "verify.py" else run(tool, *args)
    assert code == 2, err
    assert names in err and "known:" in err


def suites_with(tmp_path, old, new):
    """proofs/suites.toml with its first @old replaced by @new, as a path."""
    suites = tmp_path / "suites.toml"
    text = open(spinrun.SUITES, encoding="utf-8").read()
    assert old in text
    suites.write_text(text.replace(old, new, 1))
    return str(suites)


def test_misspelt_liveness_configuration_in_a_suite_is_refused(tmp_path):
    suites = suites_with(tmp_path, 'liveness = ["user", "loss",', 'liveness = ["usr", "loss",')
    with pytest.raises(spinrun.UnknownName, match=r"suite default, liveness.*'usr'"):
        spinrun.suite_searches("default", suites)


def test_pairs_suite_joins_every_two_groups():
    configs = dict(spinrun.load_suite("pairs"))
    assert len(configs) == 28
    joined = configs["loss+crw"]
    # loss's returns and crw's failed enable, both at 1; host's choice not
    assert "-DDEVICE_RETURNS=1" in joined and "-DENABLE_FAILS=1" in joined
    assert "-DHOST_EVENTS=0" in joined
    assert "-DN_USERS=1" in configs["user+mdev"]
    assert not spinrun.suite_runs_progress("pairs")


def test_budget2_doubles_only_the_recurring_faults():
    configs = dict(spinrun.load_suite("budget2"))
    assert "-DDEVICE_LOSSES=2" in configs["loss"]
    assert "-DHOST_EVENTS=1" in configs["host"] and "-DUNSOLICITED=2" in configs["host"]
    assert "-DSIGNALS=0" in configs["loss"]


def test_unknown_suite_key_is_refused(tmp_path):
    suites = suites_with(tmp_path, "pairs = true", "pair = true")
    with pytest.raises(spinrun.UnknownName, match=r"suite pairs.*'pair'"):
        spinrun.load_suite("pairs", suites)


@pytest.mark.parametrize("text,where", [
    ('[faults]\nall = ["SIGNALS"]\nall = 1\n', r"suites\.toml:3: "),
    ('[faults]\nall = ["SIGNALS"\n', r"suites\.toml:2, at the end: Unclosed array"),
])
def test_toml_error_names_file_and_line(tmp_path, text, where):
    bad = tmp_path / "suites.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(spinrun.SpinError, match=where):
        spinrun.load_toml(str(bad))


def test_non_utf8_model_names_file_and_line(tmp_path):
    model = tmp_path / "bad.pml"
    model.write_bytes(b"/* ok */\n/* \xff */\n")
    code, err = run("verify.py", "--model", str(model), "--skip-generated-check")
    assert code == 1
    assert "bad.pml:2" in err and "Traceback" not in err


def test_promela_error_names_the_model_not_a_copy(tmp_path):
    text = open(MODEL, encoding="utf-8").read()
    lines = text.split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("proctype work()"))
    lines.insert(at, "int x = ;")
    model = tmp_path / "broken.pml"
    model.write_text("\n".join(lines), encoding="utf-8")
    code, err = run("verify.py", "--model", str(model), "--config", "user",
                    "--property", "no_deadlock", "--skip-generated-check", "--fresh")
    assert code == 1, err
    # spin names the line where it notices: the next statement's
    assert f"broken.pml:{at + 2}, Error: syntax error" in err and "/tmp/vfio-ccw-verify" not in err


def liveness_run(claim, passed):
    return spinrun.Run("user", "liveness", claim=claim, passed=passed)


@pytest.mark.parametrize("runs,verdict", [
    ([liveness_run(spinrun.ALL_LIVENESS, True)], "pass"),
    ([liveness_run("sleepers_wake", True)], "pass"),  # --property sleepers_wake
    ([liveness_run("sleepers_wake", False)], "FAIL"),
    ([liveness_run(spinrun.ALL_LIVENESS, False)], "FAIL"),
    ([liveness_run("clear_ends_io", True)], "-"),  # another property's search
    ([], "-"),
])
def test_a_liveness_verdict_comes_from_a_search_that_checked_it(runs, verdict):
    prop = spinrun.Property("sleepers_wake", "liveness", "")
    assert verify.verdicts([prop], runs, [("user", [])])["sleepers_wake"]["user"] == verdict


def test_a_trigger_the_model_does_not_count_is_refused():
    props = spinrun.load_properties()
    text = spinrun.fsmtable.read_source(MODEL)
    assert spinrun.check_claims_listed(props, text) == []
    wrong = [spinrun.Property(p.name, p.mode, p.says, "no_such_witness" if p.trigger else "")
             for p in props]
    problems = spinrun.check_claims_listed(wrong, text)
    assert any("trigger no_such_witness is not a witness" in p and "crw_while_mutex_held" in p
               for p in problems), problems


def test_a_property_whose_trigger_no_search_reached_fails():
    prop = spinrun.Property("cio_work_never_waits", "invariant", "", "crw_while_mutex_held")
    never = [spinrun.Run("user", "safety", witnesses={"crw_while_mutex_held": 0}),
             spinrun.Run("crw", "safety", witnesses={"crw_while_mutex_held": 0})]
    assert "never reached" in verify.unreached_triggers([prop], never)[0]
    once = never + [spinrun.Run("crw", "safety", witnesses={"crw_while_mutex_held": 3})]
    assert verify.unreached_triggers([prop], once) == []


def test_an_invariant_refuted_only_in_a_liveness_search_fails_its_row():
    prop = spinrun.Property("no_stale_irb", "invariant", "")
    runs = [spinrun.Run("user", "safety", passed=True),
            spinrun.Run("user", "liveness", claim=spinrun.ALL_LIVENESS, violated="no_stale_irb")]
    assert verify.verdicts([prop], runs, [("user", [])])["no_stale_irb"]["user"] == "FAIL"


def test_a_mutant_only_the_liveness_monitor_sees_is_caught(tmp_path):
    # GHOST() statements exist in the liveness build alone: the safety
    # search cannot see this mutant, the liveness search's monitor must
    mutation = {"name": "ghost_breaks_no_irb_of_an_earlier_open", "config": "user",
                "breaks": "no_irb_of_an_earlier_open",
                "edits": [{"find": "GHOST(asleep[me] = 1);",
                           "replace": "GHOST(asleep[me] = 1; bad_old_open_irb = 1);"}]}
    props = spinrun.load_properties()
    prop = next(p for p in props if p.name == mutation["breaks"])
    model = spinrun.fsmtable.read_source(spinrun.MODEL)
    caught, detail, run, _ = mutate.check_one(mutation, prop, model, props, str(tmp_path))
    assert caught, detail
    assert run.search == "liveness"
