#!/usr/bin/env bash
# Build (once) a local base image tarball for docker/Dockerfile, for machines where no
# container registry is reachable: a Debian bookworm minbase rootfs made by debootstrap with
# python3, make and g++, plus THIS machine's Node (binary, headers, npm) copied in.
#
#   docker/make-base.sh [CACHE_DIR]     -> prints the path of the tarball for `docker import`
#
# CACHE_DIR defaults to $SECCOMP_EXEC_DOCKER_CACHE, else <repo>/.cache/docker (git-ignored).
# Two files are cached there:
#   bookworm-minbase-tools-v1.tar          the debootstrap rootfs (slow part, about 1.5 min)
#   base-bookworm-node-<version>-v1.tar    that rootfs plus Node; what `docker import` takes
# Needs root and debootstrap (Debian package `debootstrap`); downloads only Debian packages.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${1:-${SECCOMP_EXEC_DOCKER_CACHE:-$repo/.cache/docker}}"
suite=bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tools="python3,make,g++"
log() { echo "make-base: $*" >&2; }
die() { echo "make-base: error: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot)"
node_bin="$(command -v node)" || die "node is not in PATH (its binary is copied into the image)"
node_bin="$(readlink -f "$node_bin")"
node_version="$("$node_bin" --version)"
case "$node_version" in v20.*) ;; *) log "warning: host Node is $node_version, the package targets Node 20" ;; esac
prefix="$(dirname "$(dirname "$node_bin")")"

mkdir -p "$cache"
rootfs_tar="$cache/$suite-minbase-tools-v1.tar"
base_tar="$cache/base-$suite-node-$node_version-v1.tar"
if [ -s "$base_tar" ]; then echo "$base_tar"; exit 0; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/seccomp-exec-base.XXXXXX")"
cleanup() {
  # nothing is mounted into the rootfs (debootstrap's own mounts of /proc and /sys are
  # undone by it); make sure before removing
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    findmnt -rn -o TARGET | grep "^$work/" | sort -r | while read -r m; do umount -l "$m" || true; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
root="$work/root"

if [ ! -s "$rootfs_tar" ]; then
  command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
  log "debootstrap --variant=minbase --include=$tools $suite ($mirror)"
  debootstrap --variant=minbase --include="$tools" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # what an image does not need: downloaded .debs, package lists, docs, translations
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/var/log/*.log
  tar --numeric-owner --xattrs -C "$root" -cf "$rootfs_tar.tmp" .
  mv "$rootfs_tar.tmp" "$rootfs_tar"
else
  log "using cached $rootfs_tar"
  mkdir -p "$root"
  tar --numeric-owner --xattrs -C "$root" -xf "$rootfs_tar"
fi

# Node: the binary, its headers (node-gyp builds the add-on offline with them) and npm.
log "adding Node $node_version from $prefix"
rel="${prefix#/}"
mkdir -p "$root/$rel/bin" "$root/$rel/include" "$root/$rel/lib/node_modules"
cp -a "$node_bin" "$root/$rel/bin/node"
[ -f "$prefix/include/node/node_version.h" ] || die "no Node headers in $prefix/include/node"
cp -a "$prefix/include/node" "$root/$rel/include/"
[ -d "$prefix/lib/node_modules/npm" ] || die "no npm in $prefix/lib/node_modules/npm"
cp -a "$prefix/lib/node_modules/npm" "$root/$rel/lib/node_modules/"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/$rel/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/$rel/bin/npx"
# the copied binary must run on the rootfs' own libraries
got="$(chroot "$root" "/$rel/bin/node" --version)" || die "the copied node does not run in the rootfs"
[ "$got" = "$node_version" ] || die "the copied node reports $got, expected $node_version"

tar --numeric-owner --xattrs -C "$root" -cf "$base_tar.tmp" .
mv "$base_tar.tmp" "$base_tar"
log "wrote $base_tar ($(du -h "$base_tar" | cut -f1))"
echo "$base_tar"
