#!/bin/bash
# Builds the shared root of a lab generation: a Debian release made with debootstrap, with the
# cluster stack and what a lab node runs, read-only below every node's own upper layer.
# Usage: build-root.sh RELEASE DEST MIRROR PACKAGE[,PACKAGE...]
# DEST appears whole or not at all: the root is made beside it and renamed when it is done.
set -euo pipefail
release=$1 dest=$2 mirror=$3 packages=$4
tmp=$(mktemp -d "$(dirname "$dest")/.build-$release.XXXXXX")
trap 'umount "$tmp/proc" 2>/dev/null; rm -rf "$tmp"' EXIT
# minbase: what a node needs is named; --include, not a later apt-get, so that one run resolves it
debootstrap --variant=minbase --include="$packages" "$release" "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
    { tail -20 "$tmp.log" >&2; exit 1; }
# debootstrap does not resolve virtual packages: anything it left unconfigured is configured now
# (python3-cryptography wants the cffi backend, named in the packages for that reason)
mount -t proc proc "$tmp/proc"
chroot "$tmp" dpkg --configure -a >>"$tmp.log" 2>&1
chroot "$tmp" python3 -c 'import pcs.app' || { echo "pcs does not import in the $release root" >&2; exit 1; }
umount "$tmp/proc"
# every node has its own host keys (staged in its upper layer): none shared from here
rm -f "$tmp"/etc/ssh/ssh_host_*
chroot "$tmp" apt-get clean
rm -f "$tmp.log"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
