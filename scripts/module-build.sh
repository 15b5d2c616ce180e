#!/bin/sh
# Build the vfio_ccw module for s390x Linux $KERNEL (6.1, the default, or
# 6.12) out of tree, against the kernel scripts/kernel-build.sh prepares
# (built once, cached). One set of sources for both: kernel/Kbuild adds the
# 6.1 adapter (kernel/compat-6.1/) when the tree is 6.1.
#
# The module directory, build/kernel-module-$KERNEL/ (or
# $VFIO_CCW_MODULE_DIR), is rebuilt from scratch each time (so every
# warning shows, every time) and holds only links: to kernel/*, to
# generated/*.[ch], and to the tree's vfio_ccw_cp.[ch]. No upstream file is
# copied into the repository.
#
# Usage: scripts/module-build.sh [--check] [MAKE-ARGUMENT...]
#   MAKE-ARGUMENT  passed to kbuild, e.g. C=2 to run sparse on every file
#                  (also: VFIO_CCW_SPARSE=1 in the environment)
#   --check        fail if the build prints any warning or error line
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
if [ "${VFIO_CCW_SPARSE:-0}" != 0 ]; then
	set -- "$@" C=2
fi

KERNEL=${KERNEL:-6.1}
export KERNEL
tree=$("$here/scripts/linux-tree.sh")
kbuild=$("$here/scripts/kernel-build.sh")
cio=$tree/drivers/s390/cio
mod=${VFIO_CCW_MODULE_DIR:-$here/build/kernel-module-$KERNEL}

if ! command -v s390x-linux-gnu-gcc >/dev/null 2>&1; then
	echo "module-build: s390x-linux-gnu-gcc is missing: apt-get install gcc-s390x-linux-gnu" >&2
	exit 1
fi
case " $* " in
*" C=1 "* | *" C=2 "*)
	if ! command -v sparse >/dev/null 2>&1; then
		echo "module-build: sparse is missing: apt-get install sparse" >&2
		exit 1
	fi
	;;
esac

rm -rf "$mod"
mkdir -p "$mod"
for file in "$here"/kernel/*; do
	case ${file##*/} in
	*.config) ;;	# the kernel's config fragments, not module source
	*) ln -s "$file" "$mod/" ;;
	esac
done
for file in "$here"/generated/*.c "$here"/generated/*.h; do
	ln -s "$file" "$mod/"
done
ln -s "$cio/vfio_ccw_cp.c" "$mod/vfio_ccw_cp.c"
ln -s "$cio/vfio_ccw_cp.h" "$mod/vfio_ccw_cp.h"

echo "module-build: $mod against $kbuild${*:+ ($*)}" >&2
log=$mod.log
status=0
make -C "$tree" O="$kbuild" M="$mod" ARCH=s390 \
	CROSS_COMPILE=s390x-linux-gnu- W=1 VFIO_CCW_CIO_DIR="$cio" \
	"$@" modules >"$log" 2>&1 || status=$?
cat "$log"
if [ "$status" -ne 0 ]; then
	echo "module-build: FAILED (make exit status $status)" >&2
	exit "$status"
fi
if [ "$check" = 1 ]; then
	count=$(grep -ciE 'warning|error' "$log" || true)
	if [ "$count" -ne 0 ]; then
		echo "module-build: FAILED: $count warning/error line(s)${*:+ with $*}" >&2
		exit 1
	fi
	echo "module-build: 0 warnings${*:+ with $*}" >&2
fi
echo "module-build: $mod/vfio_ccw.ko" >&2
