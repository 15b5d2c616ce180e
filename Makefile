# vfio-ccw FSM: SPIN-verified model -> generated C table -> kernel glue.
# `make verify` proves the model; `make check` runs every test. See README.md.

PYTHON := /usr/bin/python3
JOBS ?= $(shell nproc)
VERIFY_ARGS ?=
MUTATE_ARGS ?=
QEMU_CHECK_ARGS ?=
# The kernel of make kernel, kernel-checks and qemu-check; make check runs
# the last two for each of KERNELS
KERNEL ?= 6.1
KERNELS := 6.1 6.12
export KERNEL
export VFIO_CCW_CACHE ?= $(HOME)/.cache/vfio-ccw-fsm

GENERATED := generated/vfio_ccw_fsm_table.c generated/vfio_ccw_fsm_table.h
DEPS_GENERATE := python3-jinja2 graphviz
DEPS_PROOFS := spin gcc tcc python3-jinja2
DEPS_TESTS := $(DEPS_PROOFS) python3-pytest graphviz make
DEPS_KERNEL := linux-source-6.1 linux-source-6.12 xz-utils perl make \
	gcc-s390x-linux-gnu \
	flex bison bc libelf-dev libssl-dev cpio sparse
# binutils and the keyring: scripts/s390x-qemu.py, the real-client boot
# make series, make series-check: the patch series against Debian's 6.12
DEPS_SERIES := linux-source-6.12 xz-utils perl make gcc-s390x-linux-gnu \
	flex bison bc libelf-dev libssl-dev sparse git patch python3-jinja2 python3-docutils spin
SERIES_ARGS ?=
DEPS_QEMU := $(DEPS_KERNEL) qemu-system-misc libc6-dev-s390x-cross \
	binutils-s390x-linux-gnu debian-archive-keyring

.PHONY: all help deps-generate verify verify-deep check generate mutations test-codegen test-c checkpatch \
	docs bench bench-lockstep deps-proofs deps-tests deps-kernel clean kernel kernel-checks \
	deps-qemu qemu-check bench-qemu bench-nested deps-series series series-check \
	$(KERNELS:%=kernel-checks-%) $(KERNELS:%=qemu-check-%)

all: verify

deps-generate:
	@scripts/deps.sh $(DEPS_GENERATE)
deps-proofs:
	@scripts/deps.sh $(DEPS_PROOFS)
deps-tests:
	@scripts/deps.sh $(DEPS_TESTS)
deps-kernel:
	@scripts/deps.sh $(DEPS_KERNEL)
deps-qemu:
	@scripts/deps.sh $(DEPS_QEMU)
deps-series:
	@scripts/deps.sh $(DEPS_SERIES)

## help: the targets, what each does
help:
	@awk '/^## / { sub(/^## /, ""); if (match($$0, /^[a-z0-9-]+: /)) \
		printf "\n  make %s\n    %s\n", substr($$0, 1, RLENGTH - 2), substr($$0, RLENGTH + 1); \
		else printf "    %s\n", $$0 }' $(MAKEFILE_LIST); echo

## generate: regenerate generated/ and docs/ (the .dot and its .svg) from
## the model; needs only the generator's packages
generate: deps-generate
	$(PYTHON) codegen/fsmgen.py --draw

## verify: prove every property in each configuration of the default
## suite (proofs/suites.toml), print the cell grid; fails if generated/ is
## stale or a cell is never dispatched without an UNREACHABLE() mark
verify: deps-proofs
	$(PYTHON) proofs/verify.py --jobs $(JOBS) $(VERIFY_ARGS)

## verify-deep: the same, with the liveness search in every configuration
## (suite deep); then the safety searches of every pair of fault groups
## (suite pairs) and of every group with its recurring faults twice
## (suite budget2): hours; a pair with host's faults takes up to 21 min
## and 14 GB (host+async: 86.6M states), so one search at a time
verify-deep: deps-proofs
	$(PYTHON) proofs/verify.py --suite deep --jobs $(JOBS) $(VERIFY_ARGS)
	$(PYTHON) proofs/verify.py --suite pairs --skip-generated-check --jobs 1 $(VERIFY_ARGS)
	$(PYTHON) proofs/verify.py --suite budget2 --skip-generated-check --jobs 1 $(VERIFY_ARGS)

## mutations: the negative proofs, each mutant must be refuted
mutations: deps-proofs
	$(PYTHON) proofs/mutate.py --jobs $(JOBS) $(MUTATE_ARGS)

## test-codegen: generator tests, bad inputs included
test-codegen: deps-tests
	$(PYTHON) -m pytest -q tests

## test-c: kernel/vfio_ccw_fsm.c and the generated table in user space, plain, TSan and ASan
test-c: deps-tests
	$(MAKE) -C tests/c all-checks

## checkpatch: kernel style of kernel/ (the 6.1 adapter included) and
## generated/ (6.12's checkpatch.pl --strict)
checkpatch: deps-kernel
	scripts/checkpatch.sh $(filter-out %.config kernel/compat-6.1,\
		$(wildcard kernel/*)) $(wildcard kernel/compat-6.1/*) $(GENERATED)

## kernel: the vfio_ccw module for s390x Linux $(KERNEL) (6.1 or 6.12,
## build/kernel-module-$(KERNEL)/); the first run builds the kernel it links
## against (about 7 min for 6.1, more for 6.12, cached)
kernel: deps-kernel
	scripts/module-build.sh

## kernel-checks: checkpatch, then the W=1 build and the sparse (C=2)
## build for $(KERNEL), each with no warning at all
kernel-checks: checkpatch kernel
	scripts/module-build.sh --check
	scripts/module-build.sh --check C=2

# kernel-checks-6.1, kernel-checks-6.12, qemu-check-6.1, qemu-check-6.12:
# one target each, for make check
$(KERNELS:%=kernel-checks-%): kernel-checks-%:
	$(MAKE) kernel-checks KERNEL=$*
$(KERNELS:%=qemu-check-%): qemu-check-%:
	$(MAKE) qemu-check KERNEL=$*

## qemu-check: boot the module in QEMU (s390x, TCG) on Linux $(KERNEL) and
## run the in-guest scenarios of tests/qemu/ (a few min); then the real-client boot, where
## Debian's s390x QEMU in the guest drives the module for a nested guest
## (fetched once into the cache). Fails on a failed scenario or any kernel
## warning but the one known type1 lockdep report (tests/qemu/README.md).
## QEMU_CHECK_ARGS="--skip NAME" leaves one out (tests/qemu/README.md)
qemu-check: deps-qemu kernel
	$(PYTHON) tests/qemu/run.py --kernel $(KERNEL) $(QEMU_CHECK_ARGS)

## series: the git format-patch series against pristine Linux 6.12 in
## build/series/ (scripts/series.py, series/series.toml); SERIES_ARGS="--glue
## DIR" takes the final driver glue from DIR instead of kernel/
series: deps-series
	$(PYTHON) scripts/series.py series $(SERIES_ARGS)

## series-check: git am each patch onto a fresh pristine 6.12 checkout (in
## the cache); per patch a W=1 build of vfio_ccw.ko with sparse and checkpatch --strict,
## 0 warnings each; then make -C tools/vfio-ccw check spin in the patched
## tree. The first run builds the kernel it links against (cached)
series-check: deps-series
	$(PYTHON) scripts/series.py check $(SERIES_ARGS)

## check: everything CI runs: kernel-checks for each of KERNELS, the
## series check, then qemu-check for each of KERNELS (the boots last)
check: verify mutations test-codegen test-c \
	$(KERNELS:%=kernel-checks-%) series-check $(KERNELS:%=qemu-check-%)

## bench: what make verify and make verify-deep cost (bench/results.md)
bench: deps-proofs
	$(PYTHON) bench/verify_bench.py

## bench-lockstep: each configuration's safety search, the model alone and
## in lockstep with kernel/ (bench/lockstep_results.md)
bench-lockstep: deps-proofs
	$(PYTHON) bench/lockstep_bench.py

## bench-qemu: our module against upstream's vfio_ccw of Linux $(KERNEL) in
## QEMU, both built for its test kernel without KASAN
## (bench/qemu_results.md; KERNEL=6.12: bench/qemu_results-6.12.md)
bench-qemu: deps-qemu
	$(PYTHON) bench/qemu_bench.py

## bench-nested: the real-client boot with our module and with stock 6.1:
## nested round trips/s and each check (bench/nested_results.md)
bench-nested: deps-qemu
	$(PYTHON) bench/nested_bench.py

clean:
	rm -rf build
