#!/usr/bin/env bash
# Installs what Skiff and its tests need on a fresh Debian 12 machine (as root): Debian
# packages first, then the npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: compilers for the native addons (better-sqlite3, node-pty); the OCI runtimes,
# mount/namespace and network tools the node agent drives; busybox for the test image;
# etcd and a registry for the datastore and image-pull tests.
packages=(python3 make g++ runc crun nftables iproute2 conntrack util-linux mount tar
  busybox-static etcd-server docker-registry skopeo)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "setup: Skiff needs Node.js 20 or newer (found ${node_major}); install it first" >&2
  exit 1
fi
command -v kubectl >/dev/null || echo "setup: note: kubectl is not installed; the end-to-end tests need it at /usr/bin/kubectl" >&2

echo "setup: installing npm dependencies (better-sqlite3 builds from source: about a minute)"
npm ci --no-audit --no-fund
