#!/usr/bin/env bash
# Runs a command with the system's copies of some shared libraries made unloadable, as on a
# machine that never installed them: inside a private mount namespace, every matching file in
# the system's library folders has an empty file bind-mounted over it (dlopen then fails with
# "file too short"). Nothing changes outside the namespace.
#
#   without-system-libs.sh libdnnl,liblapacke,libblas -- node train.mjs
#
# Root-less where user namespaces are allowed (unshare --map-root-user); as root, a plain mount
# namespace. Exits 3, saying so, when neither is possible here.
set -euo pipefail
[ $# -ge 3 ] && [ "$2" = -- ] || { echo "usage: $0 STEM[,STEM...] -- COMMAND [ARGS...]" >&2; exit 2; }

if [ "${HOURGLASS_INSIDE_HIDING_NAMESPACE:-}" != 1 ]; then
  for mode in --map-root-user ''; do
    if unshare --mount $mode true 2>/dev/null; then
      HOURGLASS_INSIDE_HIDING_NAMESPACE=1 exec unshare --mount $mode "$0" "$@"
    fi
  done
  echo "without-system-libs: cannot make a private mount namespace here (no user namespaces, not root)" >&2
  exit 3
fi
unset HOURGLASS_INSIDE_HIDING_NAMESPACE

stems=$1
shift 2
dirs=()
for d in /lib /lib64 /usr/lib /usr/lib64 /usr/local/lib; do [ -d "$d" ] && dirs+=("$d"); done
empty=$(mktemp "${TMPDIR:-/tmp}/hidden-library.XXXXXX")
hidden=()
while IFS= read -r file; do
  mount --bind "$empty" "$file"
  hidden+=("$file")
done < <(find "${dirs[@]}" -regextype posix-extended -regex ".*/(${stems//,/|})[^/]*\.so(\.[0-9.]+)?" \
           \( -type f -o -type l \) -print0 2>/dev/null | xargs -0 -r readlink -e | sort -u)
for file in "${hidden[@]}"; do
  [ ! -s "$file" ] || { echo "without-system-libs: $file is still readable" >&2; exit 1; }
done
echo "without-system-libs: hid ${#hidden[@]} system files: ${hidden[*]}" >&2
exec "$@"
