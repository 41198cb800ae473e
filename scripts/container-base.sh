#!/bin/sh
# Build a local stand-in for the Dockerfile's base image (node:22-bookworm-slim) on a machine whose Docker engine
# reaches no image registry but does reach a Debian mirror: a minimal Debian bookworm root filesystem
# (debootstrap) plus this machine's own Node.js and npm under /usr/local, and a `node` user with uid/gid 1000, the
# layout of the official image. Then build with it:
#
#   scripts/container-base.sh                       # prints the tag, default adieu-node-base:bookworm
#   docker build --build-arg NODE_IMAGE=adieu-node-base:bookworm --network host -t adieu .
#
# Needs root (debootstrap chroots), debootstrap (apt-get install debootstrap) and Node.js >= 20.19 on PATH.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), NODE_BIN (default: `command -v node`).
# See docs/operations.md#container.
set -eu

TAG="${1:-adieu-node-base:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
NODE_BIN="$(readlink -f "${NODE_BIN:-$(command -v node)}")"

fail() {
  echo "container-base: $*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap builds a chroot)"
command -v debootstrap >/dev/null || fail "needs debootstrap (apt-get install debootstrap)"
command -v docker >/dev/null || fail "needs the docker CLI and a running engine"
[ -x "$NODE_BIN" ] || fail "no node found (set NODE_BIN)"
# The same floor as package.json's engines: the image runs whatever Node this copies.
"$NODE_BIN" -e '
  const [a, b] = process.versions.node.split(".").map(Number);
  process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1);
' || fail "$NODE_BIN is Node $("$NODE_BIN" -v), the image needs >= 20.19"
NODE_PREFIX="$(dirname "$(dirname "$NODE_BIN")")"
NPM_DIR="$NODE_PREFIX/lib/node_modules/npm"
[ -f "$NPM_DIR/bin/npm-cli.js" ] || fail "no npm beside $NODE_BIN (looked in $NPM_DIR)"
NODE_HEADERS="$NODE_PREFIX/include/node"
[ -f "$NODE_HEADERS/common.gypi" ] || fail "no Node headers beside $NODE_BIN (looked in $NODE_HEADERS)"

ROOTFS="$(mktemp -d "${TMPDIR:-/tmp}/adieu-base.XXXXXX")"
trap 'rm -rf "$ROOTFS"' EXIT
chmod 755 "$ROOTFS"

# minbase = essential packages + apt: glibc, libstdc++ and libgcc_s, which is all a Node binary links against.
debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >&2 || fail "debootstrap from $MIRROR failed"
# Later `apt-get install` in a build stage uses the same mirror.
echo "deb $MIRROR bookworm main" >"$ROOTFS/etc/apt/sources.list"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

mkdir -p "$ROOTFS/usr/local/bin" "$ROOTFS/usr/local/lib/node_modules"
cp "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
cp -a "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
# Native modules (better-sqlite3) compile against these headers: node-gyp would otherwise download them, and
# without a registry the prebuilt binaries from GitHub are usually out of reach too.
mkdir -p "$ROOTFS/usr/local/include"
cp -a "$NODE_HEADERS" "$ROOTFS/usr/local/include/node"
# npm in the build reaches the registry the way this machine's npm does: its registry (a mirror) and its CA
# bundle (a TLS-inspecting proxy), which the image's own Node does not know.
mkdir -p "$ROOTFS/usr/local/etc"
{
  echo "nodedir=/usr/local"
  echo "registry=$(npm config get registry)"
  CAFILE="$(npm config get cafile)"
  if [ -f "$CAFILE" ]; then
    cp "$CAFILE" "$ROOTFS/usr/local/etc/npm-ca.crt"
    echo "cafile=/usr/local/etc/npm-ca.crt"
  fi
} >"$ROOTFS/usr/local/etc/npmrc"
chroot "$ROOTFS" groupadd --gid 1000 node
chroot "$ROOTFS" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
chroot "$ROOTFS" node -v >/dev/null || fail "the copied node does not run in the bookworm root filesystem"

tar -C "$ROOTFS" --numeric-owner -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  --message "stand-in for node:22-bookworm-slim: Debian bookworm minbase + Node $("$NODE_BIN" -v)" \
  - "$TAG" >&2
echo "$TAG"
