#!/bin/sh
# Configure and build the s390x Linux $KERNEL (6.1 or 6.12) test kernel out
# of tree, once per config: tinyconfig + kernel/kernel.config +
# kernel/kernel-$KERNEL.config (if there is one) + kernel/kasan.config (left
# out with VFIO_CCW_KASAN=0, for the bench), cross-compiled with
# s390x-linux-gnu-. The build lives in the cache, keyed by the config
# fragments and the source tarball; prints its directory.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tree=$("$here/scripts/linux-tree.sh")
cache=${VFIO_CCW_CACHE:-$HOME/.cache/vfio-ccw-fsm}
version=${KERNEL:-6.1}
fragments=$here/kernel/kernel.config
if [ -f "$here/kernel/kernel-$version.config" ]; then
	fragments="$fragments $here/kernel/kernel-$version.config"
fi
if [ "${VFIO_CCW_KASAN:-1}" != 0 ]; then
	fragments="$fragments $here/kernel/kasan.config"
fi
key=$( (cat $fragments; cat "$tree/.unpacked") | sha256sum | cut -c1-12)
out=$cache/kbuild-$key
kmake() {
	make -C "$tree" O="$out" ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- "$@"
}
if [ -f "$out/.built" ]; then
	echo "$out"
	exit 0
fi
echo "kernel-build: configuring and building Linux $version for s390x in $out (about 7 minutes, once)" >&2
mkdir -p "$out"
kmake -s tinyconfig >&2
"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" $fragments >/dev/null
kmake -s olddefconfig >&2
missing=$(cat $fragments | grep -v '^#' | grep . | while read -r line; do
	grep -qx "$line" "$out/.config" || echo "$line"
done)
if grep -q '^CONFIG_VFIO_CCW=' "$out/.config"; then
	missing="$missing CONFIG_VFIO_CCW must stay off"
fi
if [ -n "$missing" ]; then
	echo "kernel-build: these options did not take effect: $missing" >&2
	exit 1
fi
kmake -s -j"$(nproc)" >&2
touch "$out/.built"
echo "$out"
