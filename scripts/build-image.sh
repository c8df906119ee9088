#!/usr/bin/env bash
# Builds the fleet test-host image (Debian bookworm + OpenSSH + sudo + procps + tini) once per machine and
# prints its tag. The tag is a hash of the recipe, so a changed recipe builds anew and an unchanged one is a
# cache hit in well under a second. Two routes to the same image:
#   1. a registry answers: docker build of image/Dockerfile (FROM debian:bookworm-slim);
#   2. no registry (these machines): debootstrap --variant=minbase from Debian's mirror + docker import.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
recipe=("$here"/image/Dockerfile "$here"/image/setup.sh "$here"/image/entry.sh "$here"/image/rekey.sh "$here"/scripts/build-image.sh)
hash=$(cat "${recipe[@]}" | sha256sum | cut -c1-12)
tag="fleet-sshd:${hash}"
entrypoint='ENTRYPOINT ["/usr/bin/tini", "-s", "--", "/usr/local/bin/fleet-sshd-entry"]'
log() { echo "build-image: $*" >&2; }

# Parallel test processes may all ask at once; one builds, the others wait and then hit the cache.
exec 9>"${TMPDIR:-/tmp}/fleet-sshd-image.lock"
flock 9

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi

start=$(date +%s)
if timeout 60 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
  log "building $tag from debian:bookworm-slim"
  DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$here/image" >&2
else
  log "no image registry answers; building $tag with debootstrap + docker import"
  command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
  [ "$(id -u)" = 0 ] || { log "debootstrap and chroot need root"; exit 1; }
  mirror=${FLEET_DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
  mirror=${mirror:-http://deb.debian.org/debian}
  root=$(mktemp -d "${TMPDIR:-/tmp}/fleet-sshd-rootfs.XXXXXX")
  cleanup() {
    for m in $(awk -v r="$root" '$2 ~ "^"r {print $2}' /proc/mounts | sort -r); do umount -l "$m" || true; done
    rm -rf --one-file-system "$root"
  }
  trap cleanup EXIT
  debootstrap --variant=minbase --include=openssh-server,sudo,procps,tini bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; log "debootstrap failed (full log: $root.log)"; exit 1; }
  rm -f "$root.log"
  mkdir -p "$root/tmp/fleet-image"
  cp "$here"/image/setup.sh "$here"/image/entry.sh "$here"/image/rekey.sh "$root/tmp/fleet-image/"
  chroot "$root" sh /tmp/fleet-image/setup.sh
  tar -C "$root" --numeric-owner -c . | docker import --change "$entrypoint" - "$tag" >/dev/null
fi
log "built $tag in $(( $(date +%s) - start )) s"
echo "$tag"
