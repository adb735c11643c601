#!/bin/sh
# The test guest's system start: what a Debian system's boot does, cut to what trials need.
# Kernel parameters: ow.boot=resurrected after a hand-over from the crash kernel (then restore runs
# before anything else), ow.crashmode=resurrect|capture (what the armed crash kernel will do),
# ow.arm=no to boot without arming.
. /opt/ow/crash-kernel/lib.sh
say() { echo "OW-MAIN $* uptime=$(ow_uptime)"; }
say kernel-up
for m in virtio_pci virtio_blk nfnetlink nf_tables; do modprobe "$m" 2>/dev/null; done
ip link set lo up
# networking when the VM has a NIC (QEMU user networking, QemuVm.userNetwork: guest 10.0.2.15, host 10.0.2.2)
modprobe virtio_net 2>/dev/null
if [ -e /sys/class/net/eth0 ]; then
	ip addr add 10.0.2.15/24 dev eth0
	if [ "$(ow_param ow.boot)" = resurrected ]; then
		# until the restore no packet from eth0 may reach TCP: it would answer the peers of the connections
		# still to be restored with RST. Input route lookups from eth0 hit a blackhole table first.
		ip rule add priority 100 lookup local && ip rule del priority 0
		ip rule add iif eth0 priority 50 table 50 && ip route add blackhole default table 50
	fi
	ip link set eth0 up
	ip route add default via 10.0.2.2
	say net-up
fi
hostname otherworld-guest
if ow_wait_dev /dev/vda 100 && mount -t ext4 /dev/vda /data; then
	say data-mounted
else
	say data-mount-failed
fi
# every set is restored: peers of the restored connections may reach them again
open_net() {
	if ip rule del priority 50 2>/dev/null; then
		ip route flush table 50
		say net-open
	fi
}
boot=$(ow_param ow.boot || echo cold)
if [ "$boot" = resurrected ]; then
	say restore-start
	images=/data/otherworld/resurrection
	outcomes=""
	if [ -f "$images/restore.sh" ]; then
		# the agent's script runs criu for every set at once (no JVM start before the applications come
		# back); the restore tool then only takes its outcomes, delivers the reports, writes restore.json
		sh "$images/restore.sh" > /tmp/restore-sets.log 2>&1
		say restore-sets-done
		sed 's/^/restore: /' /tmp/restore-sets.log
		outcomes="--outcomes $images/restore-outcomes.txt"
		open_net
	fi
	OW_AGENT_CDS=1 otherworld restore --images "$images" --state-dir /data/otherworld/state $outcomes > /tmp/restore.log 2>&1
	rc=$?
	sed 's/^/restore: /' /tmp/restore.log
	say restore-exit code=$rc
	open_net
fi
if [ "$(ow_param ow.arm)" != no ]; then
	if /opt/ow/crash-kernel/arm --mode "$(ow_param ow.crashmode || echo resurrect)"; then
		say armed loaded=$(cat /sys/kernel/kexec_crash_loaded)
	else
		say arm-failed
	fi
fi
say booted kernel=$(uname -r) boot=$boot
cd /root
export HOME=/root
# the harness's console: a non-interactive shell fed line by line from the serial port (no prompt,
# no line editing); restarted if a command makes it exit
exec setsid sh -c 'while :; do dd if=/dev/ttyS0 2>/dev/null | sh; echo "OW-MAIN console-shell-restarted"; done' </dev/null >/dev/ttyS0 2>&1
