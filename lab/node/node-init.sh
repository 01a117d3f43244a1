#!/bin/bash
# PID 1 of a lab node. Started by the lab controller inside the node's network namespace
# (ip netns exec) and fresh mount/uts/ipc/pid namespaces (unshare --fork --mount-proc).
# The controller has already staged the node's identity in its overlay upper dirs
# (ssh host key, sshd config, authorized_keys, /etc/hosts, /etc/hostname) and copied this
# script and the systemctl shim into <lab-dir>/bin.
# Usage: node-init.sh <node-name> <fqdn> <lab-dir> [<power-on-delay-seconds> [<root>]]
# <root>: the node runs from that root (a generation other than the host's), the whole of it
# overlaid with the node's disk; empty: from the host's files, /etc and /var overlaid.
set -u
NAME=$1 FQDN=$2 LAB=$3 POST_DELAY=${4:-0} ROOT=${5:-}
# Daemons inherit our cwd, and whoever ran `lab up` may stand somewhere the node cannot see
# (a clone under /tmp, hidden by the node's own /tmp): pcsd's puma fails to start there.
cd / || exit 1
STATE=$LAB/nodes/$NAME

mount --make-rprivate /
umount -R /run/netns 2>/dev/null # other nodes' netns handles are not ours

if [ -n "$ROOT" ] && [ "${LAB_NODE_ROOT_SWITCHED:-}" != 1 ]; then
    # The node's own root: the generation's files, read-only and shared, below the node's disk.
    # What its boot needs from the lab (this script, the systemctl stand-in, the password) goes
    # to its /run; then the host's files are left behind for good (pivot_root, old root detached).
    new=$STATE/mnt
    mkdir -p "$new" "$STATE/root-upper" "$STATE/root-work"
    mount -t overlay "lab-$NAME-root" -o "lowerdir=$ROOT,upperdir=$STATE/root-upper,workdir=$STATE/root-work" "$new" || exit 1
    mount -t tmpfs -o mode=755,size=256m "lab-$NAME-run" "$new/run" || exit 1
    mkdir -p "$new/run/lab-boot" && chmod 700 "$new/run/lab-boot"
    cp "$0" "$LAB/bin/systemctl-shim" "$LAB/secrets/hacluster-password" "$new/run/lab-boot/" || exit 1
    mount --rbind /dev "$new/dev" && mount --rbind /sys "$new/sys" || exit 1
    mkdir -p "$new/.lab-host"
    cd "$new" && pivot_root . .lab-host || exit 1
    cd / && umount -l /.lab-host && rmdir /.lab-host
    mount -t proc proc /proc
    LAB_NODE_ROOT_SWITCHED=1 exec /run/lab-boot/node-init.sh "$NAME" "$FQDN" /run/lab-boot "$POST_DELAY" "$ROOT"
fi

if [ -n "$ROOT" ]; then
    BOOT=$LAB
    PASSWORD=$(cat "$BOOT/hacluster-password") || exit 1
    rm -f "$BOOT/hacluster-password"
    mount --bind "$BOOT/systemctl-shim" /usr/bin/systemctl
else
    PASSWORD=$(cat "$LAB/secrets/hacluster-password") || exit 1
    # pcs drives services through systemctl; there is no systemd here, so a shim stands in.
    mount --bind "$LAB/bin/systemctl-shim" /usr/bin/systemctl
    # /etc and /var: overlayfs over the host's, with a per-node upper layer that survives a
    # "reboot" (the node's disk). /root: the node's own home, not the host admin's (whose shell
    # profile, e.g. pyenv's, would run at every login). /run: fresh tmpfs at each boot.
    mount --bind "$STATE/root" /root || exit 1
    for d in etc var; do
        mkdir -p "$STATE/$d-upper" "$STATE/$d-work"
        mount -t overlay "lab-$NAME-$d" -o "lowerdir=/$d,upperdir=$STATE/$d-upper,workdir=$STATE/$d-work" "/$d" || exit 1
    done
    mount -t tmpfs -o mode=755,size=256m "lab-$NAME-run" /run
fi
# /dev/shm, /tmp: fresh tmpfs at each boot. A private /dev/shm is required: libqb names its shm
# rings by PID and PIDs repeat.
mount -t tmpfs -o mode=1777,size=512m "lab-$NAME-shm" /dev/shm
mount -t tmpfs -o mode=1777,size=512m "lab-$NAME-tmp" /tmp
mkdir -p /run/lock /run/sshd /run/lab /var/log/lab && chmod 1777 /run/lock

hostname "$FQDN"
ip link set lo up

if [ ! -e /etc/lab-provisioned ]; then
    # First boot = a fresh install after the admin's preparation. Debian ships a sample
    # corosync.conf and enables corosync+pacemaker; remove both: the state after `pcs cluster destroy`.
    echo "hacluster:$PASSWORD" | chpasswd
    # pam_loginuid cannot work in a PID namespace without audit support
    sed -i 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd
    rm -f /etc/corosync/corosync.conf /etc/systemd/system/multi-user.target.wants/{corosync,pacemaker}.service
    touch /etc/lab-provisioned
fi
unset PASSWORD
# The node sees nothing of the lab's own files (keys, other nodes' disks) from here on.
[ -n "$ROOT" ] || mount -t tmpfs -o mode=700,size=1m "lab-$NAME-hide" "$LAB" 2>/dev/null

log() { echo "$(date '+%F %T.%3N') $*" >>/var/log/lab/boot.log; }
# A power-on by the fence agent waits like a real machine's firmware would: a node back within a
# second would rejoin before the cluster has recorded its fencing, and be told to stay down.
if [ "$POST_DELAY" != 0 ]; then
    log "power on: firmware delay ${POST_DELAY}s"
    sleep "$POST_DELAY"
fi
log "boot $FQDN"
systemctl start ssh
for unit in pcsd corosync pacemaker; do
    if systemctl is-enabled "$unit" >/dev/null; then
        log "starting enabled unit $unit"
        systemctl start "$unit" || log "start $unit failed"
    fi
done
log "boot done"

# Act as init: reap orphans until the node is powered off (SIGKILL from the controller).
trap 'exit 0' TERM INT
while :; do
    sleep 3600 &
    wait $!
done
