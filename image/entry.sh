#!/bin/bash
# Container entry point of a fleet test host. Environment:
#   FLEET_LISTEN           space-separated addr:port pairs; one sshd per 16 of them (OpenSSH's MAX_LISTEN_SOCKS)
#   FLEET_PASSWORD         password of user "fleet" (login and sudo)
#   FLEET_AUTHORIZED_KEYS  newline-separated public keys allowed to log in as "fleet"
#   FLEET_SSHD_OPTIONS     newline-separated sshd_config lines put first (in sshd_config the first value wins)
set -euo pipefail
: "${FLEET_LISTEN:?FLEET_LISTEN must list addr:port pairs}"
: "${FLEET_PASSWORD:?FLEET_PASSWORD must be set}"

echo "fleet:${FLEET_PASSWORD}" | chpasswd
printf '%s\n' "${FLEET_AUTHORIZED_KEYS:-}" > /home/fleet/.ssh/authorized_keys
chown fleet:fleet /home/fleet/.ssh/authorized_keys
chmod 600 /home/fleet/.ssh/authorized_keys
ssh-keygen -A >/dev/null

read -r -a listen <<< "${FLEET_LISTEN}"
n=0
for ((i = 0; i < ${#listen[@]}; i += 16)); do
  conf="/etc/ssh/fleet_sshd_${n}.conf"
  {
    printf '%s\n' "${FLEET_SSHD_OPTIONS:-}"
    for addr in "${listen[@]:i:16}"; do echo "ListenAddress ${addr}"; done
    cat <<'CONF'
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
HostKey /etc/ssh/ssh_host_rsa_key
PermitRootLogin no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication yes
UsePAM yes
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 1000:30:1000
MaxSessions 100
AllowTcpForwarding yes
AllowAgentForwarding yes
AcceptEnv LANG LC_* FLEET_*
Subsystem sftp internal-sftp
CONF
    echo "PidFile /run/sshd_${n}.pid"
  } > "$conf"
  /usr/sbin/sshd -t -f "$conf"
  /usr/sbin/sshd -D -e -f "$conf" &
  n=$((n + 1))
done

# tini is PID 1 and reaps orphans; this shell ends the container as soon as any sshd ends ("host down").
wait -n
