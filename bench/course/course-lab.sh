#!/usr/bin/env bash
# B1's hand script: the course notes' commands for the lab, in the notes' order, each typed as its
# own `ssh`, the way a user without this project builds the lab. It makes what the lab stack
# (stacks/lab/index.ts) declares: nodes prepared, ha_cluster_lab on every node given, dummy1, vip,
# two constraints, labfence, the DRBD file and metadata on the first two nodes, the drbd clone
# (held stopped: no DRBD in the lab's kernel) and fs_r0 with its two constraints.
# Usage: course-lab.sh KEY KNOWN_HOSTS PASSWORD_FILE VIP HYPERVISOR FENCE_KEY_ON_NODES NAME:FQDN:ADDRESS...
# The hacluster password goes on stdin (pcs host auth asks for it when -p is not given).
set -euo pipefail
key=$1 known=$2 password_file=$3 vip=$4 hypervisor=$5 fence_key=$6
shift 6
names=() fqdns=() addrs=()
for n in "$@"; do IFS=: read -r name fqdn addr <<<"$n"; names+=("$name"); fqdns+=("$fqdn"); addrs+=("$addr"); done
on() { local addr=$1; shift; ssh -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes -o BatchMode=yes "root@$addr" "$@"; }
node1=${addrs[0]}

# ---- day 1: nodes, authentication, the cluster --------------------------------------------------
hosts=$(for i in "${!names[@]}"; do echo "${addrs[$i]} ${fqdns[$i]} ${names[$i]}"; done)
for i in "${!addrs[@]}"; do
  on "${addrs[$i]}" "hostnamectl set-hostname ${fqdns[$i]} 2>/dev/null || hostname ${fqdns[$i]}"
  on "${addrs[$i]}" "grep -q '${fqdns[$i]}' /etc/hosts || cat >> /etc/hosts" <<<"$hosts"
  # the notes: dnf install pacemaker pcs (the lab's nodes have them: checked, as the stack does)
  on "${addrs[$i]}" "dpkg -s pacemaker pcs corosync fence-agents drbd-utils >/dev/null"
  on "${addrs[$i]}" "chpasswd" <<<"hacluster:$(cat "$password_file")"
  on "${addrs[$i]}" "systemctl enable --now pcsd"
done
on "$node1" "pcs host auth ${fqdns[*]} -u hacluster" <"$password_file"
setup_nodes=$(for i in "${!fqdns[@]}"; do echo -n "${fqdns[$i]} addr=${addrs[$i]} "; done)
on "$node1" "pcs cluster setup ha_cluster_lab $setup_nodes totem token=5000 --enable --start --wait"
on "$node1" "pcs property set stonith-enabled=true no-quorum-policy=stop"

# ---- day 2: resources, constraints, fencing -------------------------------------------------------
on "$node1" "pcs resource create dummy1 ocf:pacemaker:Dummy"
on "$node1" "pcs resource create vip ocf:heartbeat:IPaddr2 ip=$vip cidr_netmask=24 meta resource-stickiness=100 op monitor interval=30s"
on "$node1" "pcs constraint location dummy1 prefers ${fqdns[0]}=100"
on "$node1" "pcs constraint order vip then dummy1"
host_map=$(for i in "${!fqdns[@]}"; do echo -n "${fqdns[$i]}:${names[$i]};"; done)
on "$node1" "pcs stonith create labfence fence_virsh ip=$hypervisor username=root identity_file=$fence_key 'pcmk_host_map=${host_map%;}' op monitor interval=60s"

# ---- day 3: DRBD on the first two nodes ---------------------------------------------------------
for i in 0 1; do
  on "${addrs[$i]}" "mkdir -p /etc/drbd.d && cat > /etc/drbd.d/r0.res" <<RES
resource r0 {
  device /dev/drbd0;
  disk /var/lib/pcmk-lab-drbd/r0.img;
  meta-disk internal;
  net { protocol C; fencing resource-only; }
  handlers {
    fence-peer "/usr/lib/drbd/crm-fence-peer.9.sh";
    unfence-peer "/usr/lib/drbd/crm-unfence-peer.9.sh";
  }
  on ${fqdns[0]} { address ${addrs[0]}:7789; node-id 0; }
  on ${fqdns[1]} { address ${addrs[1]}:7789; node-id 1; }
}
RES
  on "${addrs[$i]}" "drbdadm dump r0 >/dev/null 2>&1"
  on "${addrs[$i]}" "mkdir -p /var/lib/pcmk-lab-drbd && truncate -s 64M /var/lib/pcmk-lab-drbd/r0.img"
  # drbdmeta writes the metadata on a regular file, then fails its size ioctl (exit 20)
  on "${addrs[$i]}" "drbdadm create-md --force r0 </dev/null >/dev/null 2>&1 || [ \$? = 20 ]"
done
on "$node1" "pcs resource create drbd_r0 ocf:linbit:drbd drbd_resource=r0 op monitor interval=29s role=Promoted op monitor interval=31s role=Unpromoted promotable promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 notify=true target-role=Stopped"
on "$node1" "pcs resource create fs_r0 ocf:heartbeat:Filesystem device=/dev/drbd0 directory=/mnt/r0 fstype=xfs"
on "$node1" "pcs constraint colocation add fs_r0 with Promoted drbd_r0-clone"
on "$node1" "pcs constraint order promote drbd_r0-clone then start fs_r0"
