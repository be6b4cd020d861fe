#!/usr/bin/env bash
# check_includes.sh SRC FOLDER [ALLOWED...] -- fails when a file of src/FOLDER includes a header
# of a folder outside ALLOWED (the folders meson.build's `layers` lets it use, and theirs).
set -euo pipefail
src=$1 folder=$2
shift 2
allowed=" $folder $* "
bad=0
while IFS= read -r hit; do
	file=${hit%%:*}
	target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$hit")
	if [[ $allowed != *" $target "* ]]; then
		echo "layer violation: ${file#"$src"/} includes $target/ (src/$folder may use:$allowed)" >&2
		bad=1
	fi
done < <(grep -HE '^#include "[a-z_]+/' "$src/$folder"/*.[ch] || true)
exit $bad
