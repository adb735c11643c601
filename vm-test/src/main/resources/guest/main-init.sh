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
hostname otherworld-guest
if ow_wait_dev /dev/vda 100 && mount -t ext4 /dev/vda /data; then
	say data-mounted
else
	say data-mount-failed
fi
boot=$(ow_param ow.boot || echo cold)
if [ "$boot" = resurrected ]; then
	say restore-start
	otherworld restore --images /data/otherworld/resurrection --state-dir /data/otherworld/state > /tmp/restore.log 2>&1
	rc=$?
	sed 's/^/restore: /' /tmp/restore.log
	say restore-exit code=$rc
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
