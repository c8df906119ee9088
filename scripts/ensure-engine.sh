#!/usr/bin/env bash
# Makes sure a container engine answers `docker info`. As root on a machine without one, installs Debian's
# docker.io (and debootstrap, which builds the test image where no registry answers) and starts dockerd
# without a bridge or iptables rules: test hosts use host networking on loopback addresses only.
set -euo pipefail
log() { echo "ensure-engine: $*" >&2; }

if docker info >/dev/null 2>&1; then exit 0; fi

if [ "$(id -u)" != 0 ]; then
  log "no container engine answers 'docker info', and only root can start one here."
  log "start Docker yourself (or run as root) and try again."
  exit 1
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

logfile=/var/log/fleet-dockerd.log
log "starting dockerd (log: $logfile)"
setsid dockerd --bridge=none --iptables=false --ip6tables=false >"$logfile" 2>&1 < /dev/null &
pid=$!
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then log "engine answers (dockerd pid $pid)"; exit 0; fi
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -20 "$logfile" >&2
    log "dockerd exited; its log above says why"
    exit 1
  fi
  sleep 1
done
tail -20 "$logfile" >&2
log "dockerd did not answer within 60 s"
exit 1
