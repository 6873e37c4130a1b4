#!/usr/bin/env bash
# Builds a small busybox image tarball from Debian's busybox-static, for the examples, the tests
# and air-gapped nodes (drop it in DATA_DIR/agent/images/ or run `skiff image import`).
#
# Usage: scripts/build-busybox-image.sh [--format both|docker|oci] OUT.tar [NAME[:TAG]]
#   NAME defaults to busybox:latest (docker.io/library/busybox:latest once normalised).
#   --format both (default) writes one tarball that is both a `docker save` archive (manifest.json,
#   repositories) and an OCI image layout (oci-layout, index.json, blobs/), as docker 25+ does;
#   `docker` and `oci` write only one of the two, so importers of each kind can be tested alone.
#
# The output is deterministic (fixed mtimes, owners and order), so its digests are stable for a
# given busybox binary. One uncompressed layer: bin/busybox with its applet links at their usual
# paths (bin/sh, usr/bin/env, ...), /etc/passwd and /etc/group (root, nobody 65534), /tmp, /root.
set -euo pipefail

format=both
if [[ ${1:-} == --format ]]; then
  format=${2:?--format needs a value}
  shift 2
elif [[ ${1:-} == --format=* ]]; then
  format=${1#--format=}
  shift
fi
case $format in both | docker | oci) ;; *) echo "build-busybox-image: unknown format '$format' (both, docker, oci)" >&2; exit 2 ;; esac
out=${1:?usage: build-busybox-image.sh [--format both|docker|oci] OUT.tar [NAME[:TAG]]}
name=${2:-busybox:latest}
busybox=${BUSYBOX:-/bin/busybox}
[[ -x $busybox ]] || { echo "build-busybox-image: $busybox not found (apt-get install busybox-static)" >&2; exit 1; }

# Normalise the reference the way docker does: a first component without '.' or ':' (and not
# localhost) is a Docker Hub repository, single-component Hub names live under library/, and
# the tag defaults to latest.
repo=${name%@*}
tag=latest
last=${repo##*/}
if [[ $last == *:* ]]; then
  tag=${last##*:}
  repo=${repo%:*}
fi
first=${repo%%/*}
if [[ $repo != */* ]] || [[ $first != *.* && $first != *:* && $first != localhost ]]; then
  [[ $repo == docker.io/* ]] || repo=docker.io/$repo
fi
[[ $repo == docker.io/*/* ]] || repo=${repo/#docker.io\//docker.io/library/}
full=$repo:$tag
familiar=${repo#docker.io/}
familiar=${familiar#library/}

case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) arch=$(uname -m) ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,root,dev,proc,sys,var,home}
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
# The applet links: busybox makes them all in one flat directory in one go (a process per link
# is slow), then tar's --transform files each under its usual path (bin/sh, usr/bin/env, ...)
# and points it at /bin/busybox.
links=$work/links
mkdir "$links"
"$root/bin/busybox" --install -s "$links"
applets=()
transforms=()
while read -r applet; do
  [[ $applet == bin/busybox ]] && continue
  base=${applet##*/}
  applets+=("$base")
  transforms+=(--transform "s,^${base//[/\\[}\$,${applet},SH")
done < <("$root/bin/busybox" --list-full | LC_ALL=C sort)
transforms+=(--transform 's,^.*$,/bin/busybox,RHs')
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnobody:x:65534:\n' >"$root/etc/group"
chmod 0644 "$root/etc/passwd" "$root/etc/group"
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
chmod 0755 "$root"/{bin,sbin,usr,usr/bin,usr/sbin,etc,dev,proc,sys,var,home}

deterministic_tar=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu)
out_dir=$work/out
mkdir -p "$out_dir/blobs/sha256"
# Entries without a leading "./", as docker writes them.
(cd "$root" && LC_ALL=C tar "${deterministic_tar[@]}" -cf "$work/layer.tar" *)
LC_ALL=C tar -C "$links" "${deterministic_tar[@]}" "${transforms[@]}" -rf "$work/layer.tar" "${applets[@]}"

# blob FILE: moves FILE into blobs/sha256/ under its digest and prints "hex size".
blob() {
  local hex size
  hex=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$out_dir/blobs/sha256/$hex"
  echo "$hex $size"
}

read -r layer_hex layer_size < <(blob "$work/layer.tar")
printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\"created\":\"1970-01-01T00:00:00Z\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_hex\"]},\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"scripts/build-busybox-image.sh\"}]}" >"$work/config.json"
read -r config_hex config_size < <(blob "$work/config.json")

if [[ $format != docker ]]; then
  printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_hex\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$layer_hex\",\"size\":$layer_size}]}" >"$work/manifest"
  read -r manifest_hex manifest_size < <(blob "$work/manifest")
  printf '%s' '{"imageLayoutVersion":"1.0.0"}' >"$out_dir/oci-layout"
  printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_hex\",\"size\":$manifest_size,\"annotations\":{\"io.containerd.image.name\":\"$full\",\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" >"$out_dir/index.json"
fi
if [[ $format != oci ]]; then
  printf '%s' "[{\"Config\":\"blobs/sha256/$config_hex\",\"RepoTags\":[\"$familiar:$tag\"],\"Layers\":[\"blobs/sha256/$layer_hex\"]}]" >"$out_dir/manifest.json"
  printf '%s' "{\"$familiar\":{\"$tag\":\"$layer_hex\"}}" >"$out_dir/repositories"
fi

(cd "$out_dir" && LC_ALL=C tar "${deterministic_tar[@]}" -cf "$work/image.tar" *)
mv "$work/image.tar" "$out"
echo "$full sha256:$config_hex"
