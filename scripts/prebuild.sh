#!/usr/bin/env bash
# Builds the prebuilt addon the npm package ships, so `npm install` needs no compiler, no
# Debian packages and no root on linux-x64 (glibc):
#   prebuilds/linux-x64/hourglass_native.glibc.node        (N-API: one binary for every Node >= 20)
#   prebuilds/linux-x64/lib*.so.*                          (what it needs that a bare system lacks)
#   prebuilds/linux-x64/licenses/, BUNDLED.txt             (where each library came from, its licence)
# The addon and every bundled library find each other through an `$ORIGIN` rpath, as sharp
# bundles libvips. glibc, libstdc++ and libgcc_s are the baseline every Node process already
# has loaded; everything else ldd lists is bundled (oneDNN, LAPACKE, Debian's OpenBLAS
# LAPACK/BLAS behind their alternatives symlinks, libgomp, libgfortran, ...).
#
#   bash scripts/prebuild.sh            build it (from a clean copy of binding.gyp + native/src)
#   bash scripts/prebuild.sh --if-stale build it only when missing or older than the sources (prepack)
# Needs what a source build needs (scripts/setup.sh installs it) plus patchelf.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/prebuilds/linux-x64"
die() { echo "hourglass prebuild: $*" >&2; exit 1; }

if [ "${1:-}" = --if-stale ]; then
  current=$(ls "$out"/*.node 2>/dev/null | head -n1 || true)
  if [ -n "$current" ] && [ -z "$(find "$root/native/src" "$root/binding.gyp" "$0" -newer "$current" -print -quit)" ]; then
    echo "hourglass prebuild: $(realpath --relative-to="$root" "$current") is up to date"
    exit 0
  fi
elif [ -n "${1:-}" ]; then
  die "unknown option $1 (use --if-stale or nothing)"
fi

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "prebuilt binaries are made on linux-x64 only; this is $(uname -s)-$(uname -m)"
[ -z "$(ldd --version 2>&1 | grep -i musl)" ] || die "prebuilt binaries are made on a glibc system; this one uses musl"
# A binary for every x86-64 CPU: code for wider ISAs must be chosen at run time, never by the build machine.
! grep -Eq -- '-march=native|-mtune=native' "$root/binding.gyp" || die "binding.gyp compiles for the build machine's CPU (-march=native): a prebuilt binary must run on any x86-64"
command -v patchelf >/dev/null || die "patchelf is missing (Debian: apt-get install patchelf)"
command -v dpkg-query >/dev/null || die "dpkg-query is missing: the bundled libraries' licences are taken from their Debian packages"

# Build from a copy of exactly what the package ships for a source build, so the clone's own
# build/ (and whatever else lies in the tree) is neither used nor disturbed.
staging=$(mktemp -d "${TMPDIR:-/tmp}/hourglass-prebuild.XXXXXX")
trap 'rm -rf "$staging"' EXIT
cp "$root/package.json" "$root/binding.gyp" "$staging/"
mkdir -p "$staging/native" && cp -r "$root/native/src" "$staging/native/src"
ln -s "$root/node_modules" "$staging/node_modules"

# Node's headers: npm's nodedir when configured (npm passes it to scripts it runs; read it when
# run directly), else node-gyp downloads them for this Node. N-API makes the binary work on
# every Node >= 20 whichever version's headers built it.
if [ -z "${npm_config_nodedir:-}" ]; then
  nodedir=$(npm config get nodedir 2>/dev/null || true)
  case "$nodedir" in ""|undefined|null) ;; *) export npm_config_nodedir="$nodedir" ;; esac
fi
echo "hourglass prebuild: compiling the addon (node-gyp via prebuildify)"
(cd "$staging" && "$root/node_modules/.bin/prebuildify" --napi --strip --tag-libc --name hourglass_native \
  --target "$(node -p process.versions.node)")
built="$staging/prebuilds/linux-x64"
addon=$(ls "$built"/*.node)

# Everything ldd resolves that is not the baseline gets copied in under its soname (the name
# the loader asks for), from the real file behind the symlinks (Debian's alternatives point
# libblas.so.3 and liblapack.so.3 at OpenBLAS's).
baseline='^(linux-vdso\.so|ld-linux-x86-64\.so|libc\.so|libm\.so|libdl\.so|libpthread\.so|librt\.so|libresolv\.so|libutil\.so|libmvec\.so|libstdc\+\+\.so|libgcc_s\.so)'
! ldd "$addon" | grep -q 'not found' || die "the addon has unresolved libraries: $(ldd "$addon" | grep 'not found' | tr -s ' \t' ' ')"
mkdir -p "$built/licenses"
manifest="$built/BUNDLED.txt"
echo "Shared libraries bundled with hourglass_native (found through the addon's \$ORIGIN rpath):" > "$manifest"
while read -r name path; do
  real=$(readlink -f "$path")
  cp "$real" "$built/$name"
  chmod 0644 "$built/$name"
  patchelf --set-rpath '$ORIGIN' "$built/$name"
  pkg=$(dpkg-query -S "$real" 2>/dev/null | head -n1 | cut -d: -f1 || true)
  [ -n "$pkg" ] || die "$real belongs to no Debian package: cannot name its licence"
  version=$(dpkg-query -W -f='${Version}' "$pkg")
  cp "/usr/share/doc/$pkg/copyright" "$built/licenses/$pkg.copyright"
  echo "  $name  <- $real  (Debian $pkg $version, licence: licenses/$pkg.copyright)" >> "$manifest"
done < <(ldd "$addon" | awk '$2 == "=>" { print $1, $3 }' | grep -Ev "$baseline")
patchelf --set-rpath '$ORIGIN' "$addon"

# Nothing outside the folder but the baseline, and the oldest glibc and libstdc++ it runs with.
strays=$(ldd "$addon" | awk '$2 == "=>" { print $1, $3 }' | grep -Ev "$baseline" | grep -v " $built/" || true)
[ -z "$strays" ] || die "libraries still resolved outside the bundle: $strays"
glibc=$(objdump -T "$built"/*.node "$built"/*.so.* | grep -o 'GLIBC_[0-9.]*[0-9]' | sort -Vu | tail -n1)
glibcxx=$(objdump -T "$built"/*.node "$built"/*.so.* | grep -o 'GLIBCXX_[0-9.]*[0-9]' | sort -Vu | tail -n1)
echo "Needs from the system: glibc with ${glibc}, libstdc++ with ${glibcxx}, libgcc_s." >> "$manifest"

rm -rf "$out"
mkdir -p "$root/prebuilds"
mv "$built" "$out"
echo "hourglass prebuild: $(realpath --relative-to="$root" "$out"): $(ls "$out" | grep -c '\.so\.') libraries bundled, $(du -sh "$out" | cut -f1); needs ${glibc}, ${glibcxx}"
