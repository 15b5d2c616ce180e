#!/usr/bin/python3
"""Boot the vfio_ccw module's in-guest test under QEMU and judge the run.

Builds tests/qemu/vfio_ccw_test (static, s390x) as /init, packs it with the
module into an initramfs, boots the s390x test kernel of
scripts/kernel-build.sh in qemu-system-s390x (TCG) with a virtio-rng-ccw
device at fe.0.0002, and reads the console: one "ok NAME" / "FAIL NAME:
reason" line per scenario, then "N passed, M failed". The run also fails
on any kernel warning, BUG, lockdep report, hung task or call trace on the
console, and when the guest does not finish in time.

The guest asks for host actions with "vt: qmp ACTION" lines (device_del
ID); this script does them through QEMU's QMP socket.

A second boot, the real-client one, runs Debian's s390x qemu-system-s390x
inside the guest (scripts/s390x-qemu.py fetches it) with -device vfio-ccw
on our mdev and the nested guest of tests/qemu/nested/: its checks are the
scenarios named real-client-* (tests/qemu/README.md, "The real client").

Usage: run.py [--kernel 6.1|6.12] [--mode check|bench] [--module KO]
              [--stock] [NAME...]
The kernel is --kernel, else $KERNEL, else 6.1; the module defaults to
build/kernel-module-KERNEL/vfio_ccw.ko (scripts/module-build.sh).
Artifacts (console logs, initramfs, test binaries): build/qemu/ for 6.1,
build/qemu-KERNEL/ for another kernel.
"""

import argparse
import gzip
import json
import os
import re
import select
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(ROOT, "build", "qemu")

SOURCES = ["vfio_ccw_test.c", "vt_sys.c", "vt_cells.c", "vt_vfio.c", "vt_ccw.c",
           "vt_scen_basic.c", "vt_scen_writers.c", "vt_scen_sleep.c",
           "vt_scen_bad.c", "vt_scen_unmap.c", "vt_scen_churn.c",
           "vt_scen_loss.c", "vt_scen_regions.c", "vt_scen_async.c",
           "vt_bench.c", "vt_nq.c", "vt_scen_real.c", "vt_scen_recreate.c"]
CC = "s390x-linux-gnu-gcc"
CFLAGS = ["-static", "-O2", "-pthread", "-Wall", "-Wextra",
          "-Wno-unused-parameter", "-Werror"]

# The nested guest: bare metal, loaded by the nested QEMU with -kernel
NESTED = os.path.join(HERE, "nested")
NESTED_SOURCES = ["head.S", "ng_hw.c", "ng_fmt.c", "ng_io.c", "ng_main.c"]
NESTED_CFLAGS = ["-ffreestanding", "-nostdlib", "-static", "-O2", "-Wall",
                 "-Wextra", "-Werror", "-msoft-float", "-fno-pic", "-no-pie",
                 "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
                 # its memset() and memcpy() must stay loops
                 "-fno-tree-loop-distribute-patterns",
                 "-Wl,--build-id=none", "-Wl,--no-warn-rwx-segments"]

# The devices the guest works on: rng0 for every scenario, rng1 and rng2
# for device-loss to unplug (tests/qemu/vt.h: VT_DEVNO, VT_DEVNO_2, VT_DEVNO_3);
# device-return plugs rng1 in again
RNG_DEVICES = ["virtio-rng-ccw,id=rng0,devno=fe.0.0002",
               "virtio-rng-ccw,id=rng1,devno=fe.0.0003",
               "virtio-rng-ccw,id=rng2,devno=fe.0.0004"]

# Console lines that fail the run whatever the scenarios say
KERNEL_PROBLEMS = [
    ("WARNING:", "kernel warning"),
    ("BUG:", "kernel BUG"),
    ("possible circular locking", "lockdep: circular locking"),
    ("possible recursive locking", "lockdep: recursive locking"),
    ("inconsistent lock state", "lockdep: inconsistent lock state"),
    ("suspicious RCU usage", "lockdep: suspicious RCU usage"),
    ("blocked for more than", "hung task"),
    ("hung_task", "hung task"),
    ("Call Trace", "call trace"),
    ("kernel BUG at", "kernel BUG"),
    ("Kernel panic", "kernel panic"),
    ("Oops", "oops"),
    ("detected stall", "RCU stall"),
    # our module's own warnings: none is expected in a healthy run
    ("unverified transition", "vfio_ccw: unverified FSM transition"),
    ("the clear is not answered yet", "vfio_ccw: slow quiesce"),
    ("interrupts dropped", "vfio_ccw: IRB ring overflow"),
    ("disabling the subchannel failed", "vfio_ccw: disable failed"),
]

# Boot lines that say the kernel checks what the run relies on
KERNEL_CHECKERS = [
    ("Lock dependency validator", "lockdep (CONFIG_PROVE_LOCKING)"),
] + ([("KernelAddressSanitizer initialized", "KASAN (CONFIG_KASAN)")]
     if os.environ.get("VFIO_CCW_KASAN", "1") != "0" else [])

# The scenarios of tests/qemu/vfio_ccw_test.c, in their order: each must report
SCENARIOS = ["lifecycle", "writers", "signal", "reset-wakes-sleeper",
             "bad-input", "regions", "async-halt-clear", "request-irq",
             "mdev-recreate", "close-after-start", "remove-after-start",
             "async-suspended", "clear-racing-start", "async-offline",
             "device-loss", "path-vary", "device-return",
             "unmap-while-pinned", "unmap-bystander"]
# Those of the real-client boot: the nested guest's checks (run io, then
# run remove) and the test guest's own around them (vt_scen_real.c)
REAL_CLIENT = "real-client"
REAL_SCENARIOS = ["real-client-" + n for n in [
    "stsch", "msch", "sense-id", "chain-page-cross", "orb-outside-memory",
    "ccw-outside-memory", "data-outside-memory", "round-trips", "hsch",
    "csch", "device-del", "device-del-release", "run-io",
    "mdev-remove", "mdev-remove-host", "run-remove", "after"]]
# Guest memory of each boot: the real-client one holds a second QEMU
MEMORY_MB = {"check": 512, "bench": 512, REAL_CLIENT: 1024}

# After one of these the guest will not finish: wait this long, then stop
FATAL = ["kernel BUG at", "Kernel panic", "Oops", "Unable to handle kernel"]
FATAL_GRACE = 10
# A guest reaches /init in 12 s (28 s for the real client's larger one);
# one that has not after this long hung in the kernel's own boot
INIT_LINE = "Run /init as init process"
INIT_DEADLINE = 150

# The one kernel report a scenario is allowed to cause, because no driver
# can avoid it: a driver must unpin in dma_unmap(), and type1 calls it
# holding device_list_lock, then takes iommu->lock to unpin, the reverse
# of its own order elsewhere (tests/qemu/README.md). 6.12's type1 has the same
# two orders (vfio_notify_dma_unmap(), vfio_iommu_type1_register_device()).
# Only the unmap scenarios unpin there (lockdep reports once a boot: the
# first that runs); any other lockdep report still fails the run.
KNOWN_LOCKDEP_KERNELS = ["6.1", "6.12"]
KNOWN_LOCKDEP = {
    "scenarios": ["unmap-while-pinned", "unmap-bystander"],
    "holding": "(&iommu->device_list_lock)",
    "caller": "vfio_ccw_dma_unmap+",
    "why": "type1 calls dma_unmap() under device_list_lock "
           "(tests/qemu/README.md)",
}
TRACE_LINE = re.compile(r"^\s*\(?\[<[0-9a-f]+>\]")

RESULT_OK = re.compile(r"^ok (\S+)(?: \((.*)\))?$")
RESULT_FAIL = re.compile(r"^FAIL (\S+): (.*)$")
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


FAILURES = []   # every FAIL line, repeated under the count: a CI log's tail


def log(msg):
    if msg.startswith("FAIL"):
        FAILURES.append(msg)
    print("qemu-check: %s" % msg, flush=True)


def kernel_dir():
    """The cached s390x kernel build (built once by kernel-build.sh)."""
    out = subprocess.run([os.path.join(ROOT, "scripts", "kernel-build.sh")],
                         check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def build_init(out):
    """The test program, static, as the initramfs' /init."""
    cmd = [CC] + CFLAGS + ["-I", HERE, "-o", out]
    cmd += [os.path.join(HERE, src) for src in SOURCES]
    subprocess.run(cmd, check=True)


def build_nested(out):
    """The nested guest, an ELF that QEMU loads with -kernel."""
    cmd = [CC] + NESTED_CFLAGS + ["-T", os.path.join(NESTED, "nested.lds"),
                                  "-o", out]
    cmd += [os.path.join(NESTED, src) for src in NESTED_SOURCES]
    subprocess.run(cmd, check=True)


def s390x_qemu_tree():
    """Debian's s390x qemu-system-s390x and its libraries, laid out as in
    the guest's root (scripts/s390x-qemu.py, cached)."""
    out = subprocess.run([os.path.join(ROOT, "scripts", "s390x-qemu.py")],
                         check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()[-1]


def tree_entries(root):
    """cpio records of every directory and file under @root, parents
    first; files keep their execute bit."""
    records = []
    for top, dirs, files in os.walk(root):
        dirs.sort()
        rel = os.path.relpath(top, root)
        if rel != ".":
            records.append(cpio_entry(rel, 0o040755))
        for name in sorted(files):
            path = os.path.join(top, name)
            with open(path, "rb") as f:
                data = f.read()
            mode = 0o100755 if os.access(path, os.X_OK) else 0o100644
            records.append(cpio_entry(os.path.normpath(
                os.path.join(rel, name)), mode, data))
    return records


def cpio_entry(name, mode, data=b"", rdev=(0, 0)):
    """One cpio "newc" record: header, name, data, each 4-byte aligned."""
    name_b = name.encode() + b"\0"
    fields = (0, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0)
    rec = b"070701" + "".join("%08X" % f for f in fields).encode()
    rec += name_b + b"\0" * (-(110 + len(name_b)) % 4)
    return rec + data + b"\0" * (-len(data) % 4)


def pack_initramfs(out, init, module, nested=None, tree=None):
    """gzip'ed newc cpio: /init, /vfio_ccw.ko, /dev/console, mount points;
    for the real-client boot also /nested.elf and the s390x QEMU @tree.

    Written here rather than by cpio(1) so that the console node needs no
    root and the archive does not depend on a staging directory.
    """
    def read(path):
        with open(path, "rb") as f:
            return f.read()
    records = [
        cpio_entry("dev", 0o040755),
        cpio_entry("dev/console", 0o020600, rdev=(5, 1)),
        cpio_entry("proc", 0o040755),
        cpio_entry("sys", 0o040755),
        cpio_entry("init", 0o100755, read(init)),
        cpio_entry("vfio_ccw.ko", 0o100644, read(module)),
    ]
    if nested:
        records.append(cpio_entry("nested.elf", 0o100644, read(nested)))
    if tree:
        records += tree_entries(tree)
    records.append(cpio_entry("TRAILER!!!", 0))
    with open(out, "wb") as f:
        # level 1: the QEMU tree is 35 MB, and unpacking is what counts
        f.write(gzip.compress(b"".join(records), compresslevel=1, mtime=0))


class Qmp:
    """A minimal QMP client: greeting, capabilities, commands."""

    def __init__(self, path, timeout=20):
        end = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rw")
        self._read()                      # the greeting
        self.execute("qmp_capabilities")

    def _read(self):
        line = self.file.readline()
        if not line:
            raise OSError("QMP socket closed")
        return json.loads(line)

    def execute(self, command, **arguments):
        msg = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            reply = self._read()
            if "return" in reply or "error" in reply:
                return reply

    def close(self):
        self.file.close()
        self.sock.close()


def host_action(qmp, action):
    """What a "vt: qmp ACTION" line asks for; returns a short report.
    "device_del ID" unplugs a device, "device_add ID" plugs one of RNG_DEVICES
    in again, as it was at boot."""
    words = action.split()
    if len(words) != 2 or words[0] not in ("device_del", "device_add"):
        return "unknown action %r" % action
    if words[0] == "device_del":
        reply = qmp.execute("device_del", id=words[1])
    else:
        spec = [d for d in RNG_DEVICES if ",id=%s," % words[1] in d + ","]
        if len(spec) != 1:
            return "unknown device %r" % words[1]
        driver, *props = spec[0].split(",")
        reply = qmp.execute("device_add", driver=driver,
                            **dict(p.split("=", 1) for p in props))
    if "error" in reply:
        return "%s: error: %s" % (action, reply["error"].get("desc"))
    return "%s: done" % action


GUEST_SPEED = re.compile(r"^# guest speed: .* waits x([0-9.]+)$")


class Run:
    """The console, read line by line, and what it says."""

    def __init__(self, console_log, verbose):
        self.log = open(console_log, "w")
        self.verbose = verbose
        self.results = []          # (name, ok, detail)
        self.summary = None        # (passed, failed) from the guest
        self.problems = []         # (line number, what, line)
        self.info = []             # "# ..." lines of the guest
        self.cells = {}            # (state, event) -> dispatches, this boot
        self.lineno = 0
        self.console = []          # every console line, for known_report()
        self.qmp = None
        self.start = time.monotonic()
        self.fatal = False
        self.reached_init = False  # the kernel ran /init
        self.hung_before_init = False
        self.slowness = 1.0        # the guest's waits stretched (vt_calibrate)

    def line(self, text):
        self.lineno += 1
        self.console.append(text)
        if INIT_LINE in text:
            self.reached_init = True
        self.log.write("%7.2f %s\n" % (time.monotonic() - self.start, text))
        self.log.flush()
        if self.verbose:
            print(text, flush=True)
        m_ok, m_fail = RESULT_OK.match(text), RESULT_FAIL.match(text)
        if m_ok:
            self.results.append((m_ok.group(1), True, m_ok.group(2) or ""))
        elif m_fail:
            self.results.append((m_fail.group(1), False, m_fail.group(2)))
        elif SUMMARY.match(text):
            m = SUMMARY.match(text)
            self.summary = (int(m.group(1)), int(m.group(2)))
        elif text.startswith("# cell "):
            state, event, count = text.split()[2:5]
            KERNEL_CELLS[(state, event)] = KERNEL_CELLS.get((state, event), 0) + int(count)
            self.cells[(state, event)] = self.cells.get((state, event), 0) + int(count)
        elif text.startswith("# "):
            self.info.append(text[2:])
            speed = GUEST_SPEED.match(text)
            if speed:
                self.slowness = float(speed.group(1))
        elif text.startswith("vt: qmp "):
            report = host_action(self.qmp, text[len("vt: qmp "):].strip())
            self.info.append("host: " + report)
            self.log.write("%7.2f # host: %s\n" %
                           (time.monotonic() - self.start, report))
            return
        else:
            for needle, what in KERNEL_PROBLEMS:
                if needle in text:
                    self.problems.append((self.lineno, what, text))
                    break
            self.fatal |= any(needle in text for needle in FATAL)


# (state, event) -> dispatches the module's FSM tracepoint saw, every boot
KERNEL_CELLS = {}
MODEL_CELLS = os.path.join(ROOT, "build", "model-cells.json")


def cell_grid():
    """The cells the module dispatched beside those the model did (make
    verify writes build/model-cells.json); False if the module reached a
    cell the model proves unreachable."""
    try:
        with open(MODEL_CELLS, encoding="utf-8") as handle:
            model = json.load(handle)
    except (OSError, ValueError):
        log("cells: no %s (run make verify first): the module's cells alone" % MODEL_CELLS)
        model = None
    states = model["states"] if model else sorted({s for s, _ in KERNEL_CELLS})
    events = model["events"] if model else sorted({e for _, e in KERNEL_CELLS})
    rows = [["model/kernel"] + events]
    ran_unproved, proved_unrun, impossible = [], [], []
    for state in states:
        row = [state]
        for event in events:
            key = "%s %s" % (state, event)
            mine = KERNEL_CELLS.get((state, event), 0)
            proved = model["cells"].get(key, "") if model else "?"
            row.append("%s/%d" % (proved or "-", mine))
            if mine and proved == "unreachable":
                impossible.append(key)
            elif mine and not proved:
                ran_unproved.append(key)
            elif proved and proved != "unreachable" and not mine:
                proved_unrun.append(key)
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    log("FSM cells: configurations of make verify that dispatched each / "
        "dispatches the module's tracepoint saw")
    for r in rows:
        log("  " + "  ".join(c.rjust(w) for c, w in zip(r, widths)))
    log("  ran in the kernel, never dispatched by the model: %s" % (", ".join(ran_unproved) or "none"))
    log("  dispatched by the model, never ran in the kernel: %s" % (", ".join(proved_unrun) or "none"))
    if impossible:
        log("FAIL cells: the module dispatched cells the model proves unreachable: %s"
            % ", ".join(impossible))
    return not impossible


def boot(args, kdir, initrd, run, mode, names):
    """Run QEMU to its power-off, feeding the console to @run; False on
    timeout (--timeout, twice that for the real-client boot, whose two
    nested QEMUs may each take 150 s). @mode and @names go to /init."""
    qmp_path = os.path.join(BUILD, "qmp.sock")
    if os.path.exists(qmp_path):
        os.unlink(qmp_path)
    append = "panic=-1 -- %s" % " ".join([mode] +
                                         (["stock"] if args.stock else []) +
                                         names)
    cmd = ["qemu-system-s390x", "-M", "s390-ccw-virtio", "-cpu", "max",
           "-smp", "2", "-m", str(MEMORY_MB[mode]), "-display", "none",
           "-nodefaults",
           "-no-reboot",
           # the kernel has the SCLP line-mode console only (ttyS0);
           # QEMU's default -nographic console is the VT220 one
           "-chardev", "stdio,id=con0,signal=off",
           "-device", "sclplmconsole,chardev=con0",
           "-qmp", "unix:%s,server=on,wait=off" % qmp_path,
           "-kernel", os.path.join(kdir, "arch/s390/boot/bzImage"),
           "-initrd", initrd, "-append", append]
    for dev in RNG_DEVICES:
        cmd += ["-device", dev]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    # stretched as the guest stretches its waits (vt_calibrate()): the
    # host's load slows it down, the guest measures it at boot
    began = time.monotonic()
    timeout = args.timeout * (2 if mode == REAL_CLIENT else 1)
    deadline = began + timeout
    pending = b""
    timed_out = False
    try:
        run.qmp = Qmp(qmp_path)
        while True:
            if not run.fatal:
                deadline = max(deadline, began + timeout * run.slowness)
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            if not run.reached_init and \
                    time.monotonic() - run.start > INIT_DEADLINE:
                run.hung_before_init = True
                break
            ready, _, _ = select.select([proc.stdout], [], [],
                                        min(left, 0.2))
            if not ready:
                # QEMU's line-mode console ends a line with the newline of
                # the next one: a request must not wait for more output
                if pending.startswith(b"vt: qmp "):
                    run.line(pending.decode("utf-8", "replace"))
                    pending = b""
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                run.line(raw.decode("utf-8", "replace").rstrip("\r"))
            if run.fatal and deadline > time.monotonic() + FATAL_GRACE:
                # the guest is dying: its last words, then stop waiting
                deadline = time.monotonic() + FATAL_GRACE
        if pending:
            run.line(pending.decode("utf-8", "replace").rstrip("\r"))
    finally:
        if run.qmp:
            run.qmp.close()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    return not timed_out and not run.hung_before_init


def known_report(run, expected):
    """The console lines (numbers from 1) of the KNOWN_LOCKDEP report:
    from its WARNING to the end of its backtrace; empty if it is not there
    or its scenario did not run."""
    if not set(KNOWN_LOCKDEP["scenarios"]) & set(expected) or \
            os.environ.get("KERNEL", "6.1") not in KNOWN_LOCKDEP_KERNELS:
        return set()
    lines = run.console
    for first, text in enumerate(lines):
        if "possible circular locking" not in text:
            continue
        last, holding, in_trace = first, None, False
        for last in range(first + 1, len(lines)):
            if "is already holding lock" in lines[last - 1] and not holding:
                holding = lines[last]
            if "Call Trace" in lines[last] and holding:
                in_trace = True
            elif in_trace and not TRACE_LINE.match(lines[last]):
                break
        block = lines[first:last]
        if holding and KNOWN_LOCKDEP["holding"] in holding and \
                any(KNOWN_LOCKDEP["caller"] in t for t in block):
            return set(range(first + 1, last + 1))
        return set()    # lockdep reports once: the first is the only one
    return set()


def verdict(run, finished, elapsed, expected, prefix=""):
    """Print the per-scenario lines; (passed, failed).

    Counted as tests: each scenario's line (a missing one fails), then
    "guest" (it powered off with a closing count matching its lines) and
    "kernel-log" (no warning, BUG, lockdep report, hung task, trace),
    these two named with @prefix.
    """
    passed = failed = 0
    for name, ok, detail in run.results:
        log("%s %s%s" % ("ok  " if ok else "FAIL", name,
                         (" (%s)" % detail) if detail else ""))
        passed += ok
        failed += not ok
    reported = (passed, failed)
    for name in expected:
        if name not in [r[0] for r in run.results]:
            log("FAIL %s: no line from the guest" % name)
            failed += 1
    for text in run.info:
        log("  # " + text)
    guest_ok = finished and run.summary == reported
    if not finished:
        log("FAIL %sguest: did not power off in time (timeout)" % prefix)
    elif run.summary is None:
        log("FAIL %sguest: no closing line (crash or panic?), see the log"
            % prefix)
    elif run.summary != reported:
        log("FAIL %sguest: its count %s does not match its lines %s" %
            (prefix, run.summary, reported))
    passed += guest_ok
    failed += not guest_ok
    known = known_report(run, expected)
    if known:
        log("known kernel report, console lines %d-%d: %s" %
            (min(known), max(known), KNOWN_LOCKDEP["why"]))
        run.problems = [p for p in run.problems if p[0] not in known]
    for needle, what in KERNEL_CHECKERS:
        if not any(needle in text for text in run.console):
            run.problems.append((0, "%s not active" % what,
                                 "no %r at boot" % needle))
    if run.problems:
        seen = set()
        for lineno, what, text in run.problems:
            if what not in seen:
                seen.add(what)
                log("FAIL %skernel-log: %s, console line %d: %s" %
                    (prefix, what, lineno, text.strip()))
        failed += 1
    else:
        passed += 1
    log("console: %s, %.0f s" % (os.path.relpath(run.log.name, ROOT),
                                 elapsed))
    return passed, failed


def one_boot(args, kdir, initrd, mode, names, tag, expected, prefix=""):
    """Boot once and judge it: (passed, failed)."""
    for attempt in range(2):
        if attempt:
            # TCG has hung in the kernel's own early boot (seen once in
            # 6.12's iommu setup), before /init loads any module of ours:
            # boot again, once, and say so
            log("the guest hung in its kernel's boot before /init (the "
                "console stops at: %s); booting again" %
                (run.console[-1].strip() if run.console else "nothing"))
        run = Run(os.path.join(BUILD, "console-%s.log" % tag), args.verbose)
        start = time.monotonic()
        finished = boot(args, kdir, initrd, run, mode, names)
        if not run.hung_before_init:
            break
    result = verdict(run, finished, time.monotonic() - start, expected,
                     prefix)
    if mode == REAL_CLIENT and run.cells:
        # A writer that sleeps is a vCPU holding QEMU's global lock
        starts = sum(n for (_, event), n in run.cells.items() if event == "IO_REQ")
        log("real client: %d of %d IO_REQ found BUSY (a vCPU asleep in the write)" %
            (run.cells.get(("BUSY", "IO_REQ"), 0), starts))
    if args.mode == "bench":
        with open(os.path.join(BUILD, "bench-%s.txt" % tag), "w") as f:
            f.write("\n".join(run.info) + "\n")
    return result


def skipped(name, skips):
    """--skip NAME leaves NAME out; --skip real-client the whole boot."""
    return name in skips or (REAL_CLIENT in skips and
                             name.startswith(REAL_CLIENT + "-"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", default=os.environ.get("KERNEL", "6.1"),
                    choices=["6.1", "6.12"],
                    help="the test kernel (scripts/kernel-build.sh)")
    ap.add_argument("--mode", default="check", choices=["check", "bench"])
    ap.add_argument("--module", help="the module (default: "
                    "build/kernel-module-KERNEL/vfio_ccw.ko)")
    ap.add_argument("--stock", action="store_true",
                    help="the module is upstream's vfio_ccw (bench)")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--tag", default="check",
                    help="name of the console log in build/qemu/")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="echo the whole console")
    ap.add_argument("--skip", action="append", default=[], metavar="NAME",
                    help="leave this scenario out (repeatable)")
    ap.add_argument("names", nargs="*", help="scenarios to run (all); "
                    "any real-client-* one runs the whole real-client boot")
    args = ap.parse_args()
    global BUILD
    os.environ["KERNEL"] = args.kernel     # for kernel-build.sh
    if args.kernel != "6.1":
        BUILD = os.path.join(ROOT, "build", "qemu-" + args.kernel)
    if not args.module:
        args.module = os.path.join(ROOT, "build",
                                   "kernel-module-" + args.kernel,
                                   "vfio_ccw.ko")
    log("Linux %s, module %s" % (args.kernel,
                                 os.path.relpath(args.module, ROOT)))
    # "real-client" alone names every scenario of that boot
    names = [m for n in args.names
             for m in (REAL_SCENARIOS if n == REAL_CLIENT else [n])]
    wanted = [n for n in (names or SCENARIOS + REAL_SCENARIOS)
              if not skipped(n, args.skip)]
    unknown = [n for n in wanted if n not in SCENARIOS + REAL_SCENARIOS]
    if unknown:
        log("unknown scenario(s): %s" % " ".join(unknown))
        return 2

    os.makedirs(BUILD, exist_ok=True)
    if not os.path.exists(args.module):
        log("no module at %s: run `make kernel` first" % args.module)
        return 2
    init = os.path.join(BUILD, "init")
    nested = os.path.join(BUILD, "nested.elf")
    initrd = os.path.join(BUILD, "initramfs-%s.cpio.gz" % args.tag)
    real = [n for n in wanted if n in REAL_SCENARIOS]
    try:
        build_init(init)
        if real and args.mode == "check":
            build_nested(nested)
    except subprocess.CalledProcessError:
        log("FAIL build: %s did not compile the test programs" % CC)
        print("0 passed, 1 failed", flush=True)
        return 1
    kdir = kernel_dir()

    passed = failed = 0
    if args.mode == "bench":
        pack_initramfs(initrd, init, args.module)
        passed, failed = one_boot(args, kdir, initrd, "bench", [], args.tag,
                                  ["bench"])
    checks = [n for n in wanted if n in SCENARIOS]
    if args.mode == "check" and checks:
        pack_initramfs(initrd, init, args.module)
        names = [] if checks == SCENARIOS else checks
        passed, failed = one_boot(args, kdir, initrd, "check", names,
                                  args.tag, checks)
    if args.mode == "check" and real:
        tree = s390x_qemu_tree()
        initrd = os.path.join(BUILD, "initramfs-%s-%s.cpio.gz" %
                              (args.tag, REAL_CLIENT))
        pack_initramfs(initrd, init, args.module, nested, tree)
        p, f = one_boot(args, kdir, initrd, REAL_CLIENT, [],
                        "%s-%s" % (args.tag, REAL_CLIENT), real,
                        REAL_CLIENT + "-")
        passed, failed = passed + p, failed + f
    if args.mode == "check" and not args.stock and KERNEL_CELLS:
        if cell_grid():
            passed += 1
        else:
            failed += 1
    for line in FAILURES:
        print("qemu-check: failed: %s" % line[len("FAIL "):], flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
