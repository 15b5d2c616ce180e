#!/usr/bin/python3
"""make bench-nested: QEMU's own vfio-ccw on our module and on stock 6.1.

Boots the real-client boot of tests/qemu/run.py (Debian's s390x QEMU in the
test guest, -device vfio-ccw on the mdev, the nested guest of
tests/qemu/nested/) RUNS times with each module, both built for the test kernel
without KASAN as bench/qemu_bench.py builds them, one after the other.
From each boot's console: the nested guest's SENSE ID round trips per
second (300, each checked), every real-client check's line, the boot's
wall time. Writes bench/nested_results.md: medians (lowest-highest), the
ratio of the medians, and each check ours against stock with the first
boot's detail. A failed check is a finding, not an error of the bench.
"""

import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import qemu_bench  # noqa: E402  (the module builds are shared)

RUN = os.path.join(ROOT, "tests", "qemu", "run.py")
RESULTS = os.path.join(HERE, "nested_results.md")
ROUND_TRIPS = re.compile(r"# nested: round trips: (\d+) in (\d+) us")
RESULT = re.compile(r"^(ok|FAIL) (real-client-\S+)(?: \((.*)\)|: (.*))?$")
ELAPSED = re.compile(r"console: \S+, (\d+) s")
BOOTS = {}


def boot(module, tag, stock):
    """One real-client boot: {"per_s", "boot_s", "checks": {name: (ok,
    detail)}, "passed"}."""
    BOOTS[tag] = BOOTS.get(tag, 0) + 1
    tag = "nested-%s-%d" % (tag, BOOTS[tag])      # each boot's log is kept
    print("nested_bench: %s boot" % tag, flush=True)
    cmd = [sys.executable, RUN, "--module", module, "--tag", tag,
           "real-client"] + (["--stock"] if stock else [])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    log = os.path.join(ROOT, "build", "qemu",
                       "console-%s-real-client.log" % tag)
    found = {"checks": {}, "passed": proc.returncode == 0}
    with open(log) as f:
        for line in f:
            # "  12.34 text": host arrival time, then the console line
            text = line.strip().partition(" ")[2]
            m = ROUND_TRIPS.search(text)
            if m:
                found["per_s"] = int(m.group(1)) * 1e6 / int(m.group(2))
            m = RESULT.match(text)
            if m:
                found["checks"][m.group(2)] = (
                    m.group(1) == "ok", m.group(3) or m.group(4) or "")
    m = ELAPSED.search(proc.stdout)
    found["boot_s"] = int(m.group(1)) if m else None
    if "per_s" not in found:
        sys.stdout.write(proc.stdout)
        raise SystemExit("nested_bench: no round trips in the %s boot" % tag)
    return found


def spread(values, fmt):
    return (fmt + " (" + fmt + "-" + fmt + ")") % (
        statistics.median(values), min(values), max(values))


def table(ours, stock, runs):
    out = ["# QEMU's vfio-ccw on our module and on stock 6.1 (%s, %d cores, "
           "%s)\n" % (platform.machine(), os.cpu_count(),
                      time.strftime("%Y-%m-%d")),
           "Produced by `make bench-nested` (bench/nested_bench.py): %d "
           "real-client boots per module of `tests/qemu/run.py` (test kernel "
           "without KASAN, lockdep on), alternating. Debian's s390x "
           "qemu-system-s390x 7.2 runs (TCG) inside the TCG test guest and "
           "passes the mdev to the nested guest, which does 300 SENSE ID "
           "round trips (SSCH, I/O interruption, TSCH, data checked). "
           "Medians (lowest-highest); TCG inside TCG is noisy: compare the "
           "ratio of the medians.\n" % runs,
           "| measure | ours | stock 6.1 | ours/stock (medians) |",
           "|---|---|---|---|"]
    for label, key, fmt in [("nested round trips/s", "per_s", "%.1f"),
                            ("real-client boot, s (ours waits 10 s for QEMU "
                             "to let go of the removed mdev)", "boot_s",
                             "%.0f")]:
        a = [r[key] for r in ours if r[key] is not None]
        b = [r[key] for r in stock if r[key] is not None]
        ratio = statistics.median(a) / statistics.median(b)
        out.append("| %s | %s | %s | %.2f |" % (label, spread(a, fmt),
                                                spread(b, fmt), ratio))
    out += ["", "Each check, in every boot (detail from the first):", "",
            "| check | ours | stock 6.1 |", "|---|---|---|"]
    names = list(ours[0]["checks"])
    names += [n for n in stock[0]["checks"] if n not in names]

    def cell(runs, name):
        oks = [r["checks"].get(name, (False, "no line"))[0] for r in runs]
        detail = runs[0]["checks"].get(name, (False, "no line"))[1]
        return "%s %d/%d: %s" % ("ok" if all(oks) else "FAIL", sum(oks),
                                 len(oks), detail.replace("|", "/"))
    for name in names:
        out.append("| %s | %s | %s |" % (name, cell(ours, name),
                                         cell(stock, name)))
    return "\n".join(out) + "\n"


def main():
    return qemu_bench.bench_main(__doc__, 5, boot, table, RESULTS,
                                 "nested_bench")


if __name__ == "__main__":
    sys.exit(main())
