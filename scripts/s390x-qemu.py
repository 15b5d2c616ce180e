#!/usr/bin/python3
"""Debian's s390x qemu-system-s390x and what it needs to run, for the
test initramfs of the real-client boot (tests/qemu/README.md).

Downloads, with an apt state of its own (never the host's: no s390x
package is installed on this machine), the s390x packages
qemu-system-misc (bookworm: QEMU 7.2) and qemu-system-data (s390-ccw.img,
which the s390-ccw-virtio machine loads even with -kernel), plus the
library packages they depend on, and lays out in the cache, keyed by the
versions of those packages, a tree to pack as it is:

    usr/bin/qemu-system-s390x
    lib/ld64.so.1                       the s390x dynamic loader
    lib/s390x-linux-gnu/<soname>        every library of the closure
    usr/share/qemu/s390-ccw.img

Prints that tree's directory. The apt sources are the host's Debian ones
(apt-get indextargets), restricted to main and s390x.

Usage: s390x-qemu.py [--refresh]   (--refresh: update the private lists
now; they are otherwise refreshed when a week old)
"""

import hashlib
import os
import shutil
import subprocess
import sys
import time

CACHE = os.environ.get("VFIO_CCW_CACHE",
                       os.path.expanduser("~/.cache/vfio-ccw-fsm"))
TOP = os.path.join(CACHE, "s390x-qemu")
APT = os.path.join(TOP, "apt")
DEBS = os.path.join(TOP, "debs")
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
ROOTS = ["qemu-system-misc", "qemu-system-data"]
BINARY = "usr/bin/qemu-system-s390x"
FIRMWARE = "usr/share/qemu/s390-ccw.img"
LIBDIRS = ["lib/s390x-linux-gnu", "usr/lib/s390x-linux-gnu"]
READELF = "s390x-linux-gnu-readelf"
LISTS_MAX_AGE = 7 * 24 * 3600


def die(msg):
    print("s390x-qemu: %s" % msg, file=sys.stderr)
    sys.exit(1)


def note(msg):
    print("s390x-qemu: %s" % msg, file=sys.stderr, flush=True)


def apt_options():
    """Every directory apt would take from the host, pointed at ours."""
    opts = {
        "Dir::State": APT,
        "Dir::State::Lists": os.path.join(APT, "lists"),
        "Dir::State::status": os.path.join(APT, "status"),
        "Dir::Cache": APT,
        "Dir::Cache::Archives": os.path.join(APT, "archives"),
        "Dir::Etc::sourcelist": os.path.join(APT, "sources.list"),
        "Dir::Etc::sourceparts": os.path.join(APT, "sources.list.d"),
        "Dir::Etc::preferences": os.path.join(APT, "preferences"),
        "Dir::Etc::preferencesparts": os.path.join(APT, "preferences.d"),
        "APT::Architecture": "s390x",
        "APT::Architectures": "s390x",
        # root downloads into our cache itself (no _apt sandbox user)
        "APT::Sandbox::User": "root",
    }
    args = []
    for key, value in opts.items():
        args += ["-o", "%s=%s" % (key, value)]
    return args


def apt(tool, *args, cwd=None):
    out = subprocess.run([tool] + apt_options() + list(args), cwd=cwd,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    if out.returncode != 0:
        die("%s %s failed:\n%s" % (tool, " ".join(args[:2]), out.stderr))
    return out.stdout


def host_suites():
    out = subprocess.run(
        ["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE)",
         "Origin: Debian", "Identifier: Packages"],
        stdout=subprocess.PIPE, text=True, check=False).stdout
    return sorted(set(line for line in out.splitlines() if line.strip()))


def host_sources():
    """deb lines for the host's Debian suites, s390x and main only."""
    suites = host_suites()
    if not suites and os.geteuid() == 0:
        note("the host's apt lists are empty: apt-get update")
        subprocess.run(["apt-get", "-q", "update"], check=False,
                       stdout=subprocess.DEVNULL)
        suites = host_suites()
    if not suites:
        die("the host's apt has no Debian package lists to copy the "
            "sources from: run apt-get update")
    return "".join("deb [arch=s390x signed-by=%s] %s main\n" % (KEYRING, s)
                   for s in suites)


def prepare_apt(refresh):
    for sub in ["lists/partial", "archives/partial", "sources.list.d",
                "preferences.d"]:
        os.makedirs(os.path.join(APT, sub), exist_ok=True)
    status = os.path.join(APT, "status")
    if not os.path.exists(status):
        open(status, "w").close()          # no package is installed here
    sources = host_sources()
    path = os.path.join(APT, "sources.list")
    old = open(path).read() if os.path.exists(path) else None
    stamp = os.path.join(APT, "updated")
    stale = (not os.path.exists(stamp) or
             time.time() - os.path.getmtime(stamp) > LISTS_MAX_AGE)
    if refresh or stale or old != sources:
        with open(path, "w") as f:
            f.write(sources)
        note("apt-get update (s390x, private state in %s)" % APT)
        apt("apt-get", "-q", "update")
        open(stamp, "w").close()


def depends(packages):
    """{package: [packages it Depends/Pre-Depends on]} for @packages."""
    out = apt("apt-cache", "depends", "--no-recommends", "--no-suggests",
              "--no-conflicts", "--no-breaks", "--no-replaces",
              "--no-enhances", *packages)
    deps, current = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.strip()
            deps[current] = []
        elif current and line.strip().startswith(("Depends:",
                                                  "PreDepends:")):
            name = line.split(":", 1)[1].strip()
            if not name.startswith("<"):      # virtual: a real one follows
                deps[current].append(name)
    return deps


def package_set():
    """The roots and every library package reachable through Depends
    (the qemu-system-common side, users and tools, is not needed)."""
    wanted, frontier = set(ROOTS), list(ROOTS)
    while frontier:
        found = depends(frontier)
        frontier = []
        for name in sorted(set(n for d in found.values() for n in d)):
            if name in wanted or not name.startswith(("lib", "zlib")):
                continue
            wanted.add(name)
            frontier.append(name)
    return sorted(wanted)


def versions(packages):
    out = apt("apt-cache", "policy", *packages)
    result, current = {}, None
    for line in out.splitlines():
        if not line.startswith(" "):
            current = line.rstrip(":")
        elif line.strip().startswith("Candidate:"):
            result[current] = line.split(":", 1)[1].strip()
    missing = [p for p in packages if result.get(p, "(none)") == "(none)"]
    if missing:
        die("no s390x candidate for: %s" % " ".join(missing))
    return result


def needed(path):
    """The DT_NEEDED sonames of an ELF file."""
    out = subprocess.run([READELF, "-d", path], stdout=subprocess.PIPE,
                         text=True, check=True).stdout
    return [line.split("[", 1)[1].split("]", 1)[0]
            for line in out.splitlines() if "(NEEDED)" in line]


def find_lib(staging, soname):
    for libdir in LIBDIRS:
        path = os.path.join(staging, libdir, soname)
        if os.path.lexists(path):
            return path
    return None


def real_file(staging, path):
    """Follow symlinks inside the staging tree (absolute ones included)."""
    for _ in range(16):
        if not os.path.islink(path):
            return path
        target = os.readlink(path)
        if target.startswith("/"):
            path = os.path.join(staging, target.lstrip("/"))
        else:
            path = os.path.join(os.path.dirname(path), target)
    die("symlink loop at %s" % path)


def build_tree(pinned, out):
    os.makedirs(DEBS, exist_ok=True)
    files = {}
    for name, version in pinned.items():
        arch = "all" if name == "qemu-system-data" else "s390x"
        deb = "%s_%s_%s.deb" % (name, version.replace(":", "%3a"), arch)
        files[name] = os.path.join(DEBS, deb)
    missing = [n for n, f in files.items() if not os.path.exists(f)]
    if missing:
        note("downloading %d s390x packages into %s" % (len(missing), DEBS))
        apt("apt-get", "-q", "download",
            *["%s=%s" % (n, pinned[n]) for n in missing], cwd=DEBS)
    for name, path in files.items():
        if not os.path.exists(path):
            die("apt-get download left no %s" % path)

    staging = out + ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    for path in files.values():
        subprocess.run(["dpkg-deb", "-x", path, staging], check=True)

    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    wanted = {BINARY: os.path.join(staging, BINARY),
              FIRMWARE: os.path.join(staging, FIRMWARE)}
    loader = find_lib(staging, "ld64.so.1")
    if not loader:
        die("libc6 has no ld64.so.1")
    wanted["lib/ld64.so.1"] = loader
    todo, seen = [wanted[BINARY]], set()
    while todo:
        for soname in needed(real_file(staging, todo.pop())):
            if soname in seen:
                continue
            seen.add(soname)
            lib = find_lib(staging, soname)
            if not lib:
                die("%s needs %s, which no downloaded package has"
                    % (BINARY, soname))
            wanted["lib/s390x-linux-gnu/" + soname] = lib
            todo.append(lib)
    for dest, src in wanted.items():
        src = real_file(staging, src)
        if not os.path.isfile(src):
            die("missing %s in the packages" % dest)
        os.makedirs(os.path.dirname(os.path.join(tmp, dest)), exist_ok=True)
        shutil.copy(src, os.path.join(tmp, dest))
    with open(os.path.join(tmp, "VERSIONS"), "w") as f:
        f.write("".join("%s %s\n" % kv for kv in sorted(pinned.items())))
    shutil.rmtree(staging)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    note("%s: %d libraries" % (out, len(seen)))


def main():
    if shutil.which(READELF) is None:
        die("%s is missing: apt-get install binutils-s390x-linux-gnu"
            % READELF)
    prepare_apt("--refresh" in sys.argv[1:])
    pinned = versions(package_set())
    key = hashlib.sha256("".join("%s=%s\n" % kv for kv in
                                 sorted(pinned.items())).encode())
    out = os.path.join(TOP, "root-" + key.hexdigest()[:12])
    if not os.path.exists(os.path.join(out, "VERSIONS")):
        build_tree(pinned, out)
    print(out)


if __name__ == "__main__":
    main()
