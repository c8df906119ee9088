#!/bin/sh
# Gives this host new host keys, as a reinstalled machine would have, and makes every sshd load them.
set -eu
rm -f /etc/ssh/ssh_host_*
ssh-keygen -A >/dev/null
for pidfile in /run/sshd_*.pid; do kill -HUP "$(cat "$pidfile")"; done
