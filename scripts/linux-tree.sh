#!/bin/sh
# Unpack Debian's linux-source-$KERNEL (6.1 or 6.12) once into the cache,
# outside the clone, and print the tree's path. Re-unpacks only when the
# tarball changes.
set -eu
cache=${VFIO_CCW_CACHE:-$HOME/.cache/vfio-ccw-fsm}
version=${KERNEL:-6.1}
case $version in
6.1 | 6.12) ;;
*)
	echo "linux-tree: KERNEL=$version: we build for 6.1 or 6.12" >&2
	exit 1
	;;
esac
tarball=/usr/src/linux-source-$version.tar.xz
if [ ! -f "$tarball" ]; then
	echo "linux-tree: $tarball is missing; install it with: apt-get install linux-source-$version" >&2
	exit 1
fi
key=$(stat -c '%s-%Y' "$tarball")
tree=$cache/linux-source-$version
if [ "$(cat "$tree/.unpacked" 2>/dev/null)" != "$key" ]; then
	echo "linux-tree: unpacking $tarball into $cache (once)" >&2
	mkdir -p "$cache"
	rm -rf "$tree" "$tree.tmp"
	mkdir "$tree.tmp"
	tar -xJf "$tarball" -C "$tree.tmp" --strip-components=1
	echo "$key" > "$tree.tmp/.unpacked"
	mv "$tree.tmp" "$tree"
fi
echo "$tree"
