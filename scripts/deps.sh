#!/bin/sh
# Make sure the Debian packages a target needs are installed.
# Usage: deps.sh PACKAGE... ; each PACKAGE is checked with dpkg-query.
# Missing ones are installed with apt-get when we are root (as on CI and
# a fresh machine); otherwise the exact command to run is printed.
set -eu
missing=
for pkg in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
		missing="$missing $pkg"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: install them with: sudo apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086  # one word per package
apt-get install -y -q --no-install-recommends $missing >/dev/null
