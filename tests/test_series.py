"""scripts/series.py: the scripted edits of pristine files (no kernel tree needed)."""

import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import series  # noqa: E402

RST = """\
=====
Title
=====

Intro
-----

intro text

Regions
-------

I/O region
~~~~~~~~~~

old io text

cmd region
~~~~~~~~~~

old cmd text

Details
-------

details
"""


def test_replace_a_section_up_to_the_next_of_its_level():
    out = series.splice(RST, {"file": "x.rst", "replace": "I/O region"}, "I/O region\n~~~~~~~~~~\n\nnew\n\n")
    assert "old io text" not in out and "new\n\ncmd region" in out and "old cmd text" in out


def test_replace_a_section_with_subsections():
    out = series.splice(RST, {"file": "x.rst", "replace": "Regions"}, "Regions\n-------\n\nours\n\n")
    assert "old io text" not in out and "old cmd text" not in out and "ours\n\nDetails" in out


def test_insert_before_a_heading():
    out = series.splice(RST, {"file": "x.rst", "before": "Details"}, "New\n---\n\nnew\n\n")
    assert out.index("New\n---") < out.index("Details\n-------") and "old cmd text" in out


def test_a_missing_heading_stops(capsys):
    with pytest.raises(SystemExit):
        series.splice(RST, {"file": "x.rst", "before": "Nope"}, "")


def test_insert_line_before_and_after_one_anchor():
    text = "a\nobj-$(X) += y.o\nb\n"
    assert series.insert_line(text, {"file": "M", "before": "obj-$(X)", "line": "new"}) == \
        "a\nnew\nobj-$(X) += y.o\nb\n"
    assert series.insert_line(text, {"file": "M", "after": "obj-$(X)", "line": "new"}) == \
        "a\nobj-$(X) += y.o\nnew\nb\n"
    with pytest.raises(SystemExit):
        series.insert_line(text + "obj-$(X) += z.o\n", {"file": "M", "before": "obj-$(X)", "line": "new"})


def test_every_patch_has_subject_body_and_a_known_prefix():
    for patch in series.load_series()["patch"]:
        assert patch["subject"].startswith(("s390/vfio-ccw: ", "tools/vfio-ccw: "))
        assert len(patch["subject"]) <= 90 and patch["body"].strip()
        assert all(len(line) <= 75 for line in patch["body"].splitlines()), patch["subject"]
    undos = [u for p in series.load_series()["patch"] for u in p.get("undo", [])]
    redos = [u for p in series.load_series()["patch"] for u in p.get("redo", [])]
    assert sorted(undos) == sorted(redos)
    for undo in undos:
        assert os.path.exists(os.path.join(ROOT, undo))
