#!/bin/sh
# scripts/checkpatch.pl --strict from linux-source-6.12 (the kernel the
# glue is written against) on the given files:
# fails unless every file has 0 errors, 0 warnings and 0 checks.
set -eu
tree=$(KERNEL=6.12 scripts/linux-tree.sh)
status=0
for file in "$@"; do
	out=$("$tree/scripts/checkpatch.pl" --strict --no-tree --show-types -f "$file") || true
	if echo "$out" | grep -q 'total: 0 errors, 0 warnings, 0 checks'; then
		echo "checkpatch: $file: clean"
	else
		echo "$out"
		status=1
	fi
done
exit $status
