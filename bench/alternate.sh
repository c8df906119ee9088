#!/bin/bash
# Before/after measurements for one change: runs the given commands in turn, ROUNDS times after a warm-up
# round, and prints per command the median wall time, the median CPU of the command's process tree (`times`)
# and the median CPU of the whole machine (/proc/stat: the hosts' sshd included), then the median per-round
# ratio of each command to the first. Quote medians; single runs on 2 shared cores are noise.
#   bash bench/alternate.sh 11 floor "node bench/floor-exec.mjs hosts.json true" \
#                              fleet "node dist/cli/fleet.cjs exec true -i inventory.yaml -o json --no-progress"
# Hosts for it: node --import tsx bench/keep-hosts.ts 50 /tmp/fleet-hosts
set -u
rounds=$1; shift
names=(); cmds=()
while [ $# -gt 0 ]; do names+=("$1"); cmds+=("$2"); shift 2; done
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
tick=$(getconf CLK_TCK)
machine() { awk '/^cpu /{print $2+$3+$4+$7+$8}' /proc/stat; }
for r in $(seq 0 "$rounds"); do
  for i in "${!names[@]}"; do
    c0=$(machine); s=$(date +%s%N)
    bash -c "${cmds[$i]} >/dev/null 2>$work/err.$i; rc=\$?; times > $work/times.$i; exit \$rc"
    rc=$?
    e=$(date +%s%N); c1=$(machine)
    [ $rc -ne 0 ] && { echo "${names[$i]} failed (exit $rc):" >&2; cat "$work/err.$i" >&2; exit 1; }
    own=$(tail -1 "$work/times.$i" | awk '{ split($1,u,"m"); split($2,s,"m"); print int((u[1]*60+u[2]+s[1]*60+s[2])*1000) }')
    [ "$r" -gt 0 ] && echo "${names[$i]} $(( (e-s)/1000000 )) $own $(( (c1-c0)*1000/tick ))"
  done
done > "$work/out"
med() { sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
for k in "${names[@]}"; do
  echo "$k wall=$(awk -v k="$k" '$1==k{print $2}' "$work/out" | med)ms" \
    "own_cpu=$(awk -v k="$k" '$1==k{print $3}' "$work/out" | med)ms" \
    "machine_cpu=$(awk -v k="$k" '$1==k{print $4}' "$work/out" | med)ms"
done
for k in "${names[@]:1}"; do
  paste <(awk -v k="${names[0]}" '$1==k{print $2}' "$work/out") <(awk -v k="$k" '$1==k{print $2}' "$work/out") |
    awk '{print $2/$1}' | med | xargs printf "$k/${names[0]} median ratio %.3f\n"
done
