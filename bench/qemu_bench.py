#!/usr/bin/python3
"""make bench-qemu: our vfio_ccw module against upstream's, in QEMU.

Builds, for the test kernel of $KERNEL (6.1 or 6.12) without KASAN
(VFIO_CCW_KASAN=0, lockdep on), ours in build/bench-module/ and the stock
vfio_ccw of that kernel out of tree
from the kernel tree's drivers/s390/cio/vfio_ccw_*.c in
build/stock-module/ (links to the tree's files and a Kbuild written there:
nothing upstream enters the repository). Then boots the bench mode of the
in-guest test (tests/qemu/run.py --mode bench) with each module, RUNS times, and
compares the medians:

  sequential   SENSE ID round trips per second, one after the other
  concurrent   4 writers at once on one device file: requests per second,
               the EBUSY/EAGAIN answers that sent a writer back to retry,
               wall and CPU time per write()

Writes the table to bench/qemu_results.md (6.1) or
bench/qemu_results-6.12.md and prints it. Numbers, not
pass/fail, except that each run must complete (every request checked).
"""

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "tests", "qemu", "run.py")
OURS_DIR = os.path.join(ROOT, "build", "bench-module")
STOCK_DIR = os.path.join(ROOT, "build", "stock-module")
KERNEL = os.environ.get("KERNEL", "6.1")
RESULTS = os.path.join(ROOT, "bench", "qemu_results%s.md" %
                       ("" if KERNEL == "6.1" else "-" + KERNEL))

# The stock module as upstream's drivers/s390/cio/Makefile builds it
STOCK_OBJS = ["vfio_ccw_drv", "vfio_ccw_cp", "vfio_ccw_ops", "vfio_ccw_fsm",
              "vfio_ccw_async", "vfio_ccw_trace", "vfio_ccw_chp"]
STOCK_HEADERS = ["vfio_ccw_cp.h", "vfio_ccw_private.h", "vfio_ccw_trace.h"]
STOCK_KBUILD = """\
# Written by bench/qemu_bench.py: upstream's vfio_ccw, out of tree.
ccflags-y += -I$(src) -I$(VFIO_CCW_CIO_DIR)
obj-m += vfio_ccw.o
vfio_ccw-y := %s
""" % " ".join(o + ".o" for o in STOCK_OBJS)

BENCH_LINE = re.compile(r"^bench: (\w+) (.*)$")


def script_out(name):
    out = subprocess.run([os.path.join(ROOT, "scripts", name)], check=True,
                         stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def build_ours():
    """build/bench-module/vfio_ccw.ko: ours, against the bench kernel."""
    subprocess.run([os.path.join(ROOT, "scripts", "module-build.sh")],
                   check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, VFIO_CCW_MODULE_DIR=OURS_DIR))
    return os.path.join(OURS_DIR, "vfio_ccw.ko")


def build_stock():
    """build/stock-module/vfio_ccw.ko from the tree's files, by links."""
    tree = script_out("linux-tree.sh")
    kbuild = script_out("kernel-build.sh")
    cio = os.path.join(tree, "drivers", "s390", "cio")
    shutil.rmtree(STOCK_DIR, ignore_errors=True)     # from scratch
    os.makedirs(STOCK_DIR)
    for name in [o + ".c" for o in STOCK_OBJS] + STOCK_HEADERS:
        os.symlink(os.path.join(cio, name), os.path.join(STOCK_DIR, name))
    with open(os.path.join(STOCK_DIR, "Kbuild"), "w") as f:
        f.write(STOCK_KBUILD)
    subprocess.run(["make", "-C", tree, "O=" + kbuild, "M=" + STOCK_DIR,
                    "ARCH=s390", "CROSS_COMPILE=s390x-linux-gnu-",
                    "VFIO_CCW_CIO_DIR=" + cio, "modules"],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(STOCK_DIR, "vfio_ccw.ko")


def bench_once(module, tag, stock):
    """One boot in bench mode: {"sequential": {...}, "concurrent": {...}}."""
    cmd = [sys.executable, RUN, "--mode", "bench", "--module", module,
           "--tag", tag] + (["--stock"] if stock else [])
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode:
        sys.stdout.write(proc.stdout)
        raise SystemExit("qemu_bench: the %s run failed" % tag)
    found = {}
    qemu_dir = "qemu" if KERNEL == "6.1" else "qemu-" + KERNEL  # run.py's
    with open(os.path.join(ROOT, "build", qemu_dir, "bench-%s.txt" % tag)) as f:
        for line in f:
            m = BENCH_LINE.match(line.strip())
            if m:
                found[m.group(1)] = {k: float(v) for k, v in
                                     (kv.split("=") for kv in
                                      m.group(2).split())}
    if set(found) != {"sequential", "concurrent"}:
        raise SystemExit("qemu_bench: no bench lines in the %s run" % tag)
    return found


def median(runs, test, key):
    return statistics.median(r[test][key] for r in runs)


def spread(runs, test, key, fmt):
    """The median, then the lowest and highest of the boots."""
    values = [r[test][key] for r in runs]
    return (fmt + " (" + fmt + "-" + fmt + ")") % (
        statistics.median(values), min(values), max(values))


def table(ours, stock, runs):
    rows = [
        ("sequential SENSE ID round trips/s", "sequential", "per_s", "%.0f"),
        ("sequential: EBUSY/EAGAIN answers", "sequential", "busy", "%.0f"),
        ("4 writers: requests/s", "concurrent", "per_s", "%.0f"),
        ("4 writers: EBUSY/EAGAIN answers (all 4000 requests)", "concurrent",
         "busy", "%.0f"),
        ("4 writers: ms in write() per request", "concurrent", "write_ms",
         "%.2f"),
        ("4 writers: CPU ms in write() per request", "concurrent", "cpu_ms",
         "%.2f"),
        ("4 writers: CPU ms per request, whole thread (retries included)",
         "concurrent", "thread_cpu_ms", "%.2f"),
    ]
    lines = ["| measure: median (lowest-highest) | ours | stock %s | "
             "ours/stock (medians) |" % KERNEL, "|---|---|---|---|"]
    for label, test, key, fmt in rows:
        a, b = median(ours, test, key), median(stock, test, key)
        ratio = "%.2f" % (a / b) if b else "-"
        lines.append("| %s | %s | %s | %s |" % (
            label, spread(ours, test, key, fmt), spread(stock, test, key, fmt),
            ratio))
    head = ("# vfio_ccw in QEMU on Linux %s: ours against upstream's "
            "(%s, %d cores, %s)\n\n"
            "Produced by `make bench-qemu` (bench/qemu_bench.py): medians of "
            "%d boots each of qemu-system-s390x (TCG, 2 vCPUs) running "
            "`tests/qemu/run.py --mode bench`, on the test kernel without KASAN "
            "(lockdep on). Each request is checked (IRB and "
            "data). A writer answered EBUSY or EAGAIN retries at once: that "
            "is what the stock module asks of it, and what ours never "
            "answers (its writers sleep). TCG timings are noisy: compare "
            "ratios of medians, and mind the spread between boots.\n\n" %
            (KERNEL, platform.machine(), os.cpu_count(),
             time.strftime("%Y-%m-%d"), runs))
    return head + "\n".join(lines) + "\n"


def alternate(runs, once, name):
    """Both modules for the same kernel, the test kernel without KASAN
    (which would triple the cost of each request; lockdep stays), then
    @runs boots of each, one after the other: once(module, tag, stock).
    The two lists of what once() returned."""
    os.environ["VFIO_CCW_KASAN"] = "0"
    ours_ko, stock_ko = build_ours(), build_stock()
    ours, stock = [], []
    for i in range(runs):
        ours.append(once(ours_ko, "ours", False))
        stock.append(once(stock_ko, "stock", True))
        print("%s: run %d/%d done" % (name, i + 1, runs), flush=True)
    return ours, stock


def bench_main(doc, runs, once, make_table, results, name):
    """A bench's main: --runs, the alternating boots, the table written to
    @results and printed."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--runs", type=int, default=runs)
    args = ap.parse_args()
    ours, stock = alternate(args.runs, once, name)
    text = make_table(ours, stock, args.runs)
    with open(results, "w") as f:
        f.write(text)
    print(text, end="")
    return 0


def main():
    return bench_main(__doc__, 5, bench_once, table, RESULTS, "qemu_bench")


if __name__ == "__main__":
    sys.exit(main())
