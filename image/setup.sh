#!/bin/sh
# Configures a Debian root file system as a fleet test host. Runs inside it: as a Dockerfile RUN step, or by
# chroot after debootstrap. Both routes run this one script, so the two images behave the same.
set -eu

useradd --create-home --shell /bin/bash --groups sudo fleet
install -d -m 700 -o fleet -g fleet /home/fleet/.ssh

# sudo asks the test user for its password (the fleet --sudo path must feed it), and never lectures.
printf 'Defaults lecture=never\nDefaults !fqdn\n' > /etc/sudoers.d/fleet
chmod 440 /etc/sudoers.d/fleet

# A container may not write /proc/self/loginuid; with pam_loginuid required, every login would fail.
sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
install -d -m 755 /run/sshd

# Host keys are made per container at start-up, never baked into the image: every host must be distinct.
rm -f /etc/ssh/ssh_host_*

install -m 755 /tmp/fleet-image/entry.sh /usr/local/bin/fleet-sshd-entry
install -m 755 /tmp/fleet-image/rekey.sh /usr/local/bin/fleet-rekey
rm -rf /tmp/fleet-image /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
