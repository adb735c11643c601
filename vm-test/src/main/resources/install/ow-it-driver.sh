#!/bin/sh
# InstallIT's driver inside the Debian guest, run by ow-it.service at every boot; the phase is kept in
# /var/lib/ow-it/phase. Boot 1 installs the package and powers off; boot 2 (armed at boot by
# otherworld-arm.service) records the demo service's pid and counter, then panics the kernel; the
# boot after the hand-over checks that the service was resurrected with its state, and powers off.
# Every step prints an "OW-IT" line on the serial console for the test.
con=/dev/ttyS0
say() { echo "OW-IT $* uptime=$(cut -d' ' -f1 /proc/uptime)" > $con; }
show() { sed "s/^/$1: /" > $con; }
dir=/var/lib/ow-it
mkdir -p $dir
phase=$(cat $dir/phase 2>/dev/null || echo install)
say boot phase=$phase kernel=$(uname -r)
systemd-analyze 2>&1 | head -n 1 | show boot-time
case "$phase" in
install)
	cd /root && DEBIAN_FRONTEND=noninteractive apt-get install -y ./otherworld_*.deb > $dir/install.log 2>&1
	rc=$?
	show apt < $dir/install.log
	say installed rc=$rc version=$(dpkg-query -W -f '${Version}' otherworld 2>/dev/null)
	otherworld check 2>&1 | show check
	say units arm=$(systemctl is-enabled otherworld-arm.service) restore=$(systemctl is-enabled otherworld-restore.service)
	systemctl enable ow-counter.service 2>&1 | show enable
	echo armed-boot > $dir/phase
	sync
	say phase-done next=reboot
	systemctl poweroff --no-block
	;;
armed-boot)
	systemctl status --no-pager otherworld-arm.service 2>&1 | show arm-unit
	journalctl -b -u otherworld-arm.service --no-pager -o cat 2>&1 | show arm-journal
	otherworld status 2>&1 | show status
	say armed loaded=$(cat /sys/kernel/kexec_crash_loaded) unit=$(systemctl is-active otherworld-arm.service)
	n=0
	while [ "$(cat /var/lib/ow-demo/count 2>/dev/null || echo 0)" -lt 10 ] && [ $n -lt 600 ]; do sleep 0.2; n=$((n + 1)); done
	pid=$(systemctl show -p MainPID --value ow-counter.service)
	pre=$(cat /var/lib/ow-demo/count)
	echo "$pid $pre" > $dir/pre
	echo resurrected > $dir/phase
	sync
	say crash pid=$pid count=$pre
	sleep 1
	echo c > /proc/sysrq-trigger
	;;
resurrected)
	journalctl -b -u otherworld-restore.service --no-pager -o cat 2>&1 | show restore-journal
	otherworld status 2>&1 | show status
	read -r pid pre < $dir/pre
	cmd=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)
	say resurrected-boot handover=$(grep -c 'ow.boot=resurrected' /proc/cmdline) counter_unit=$(systemctl is-active ow-counter.service) pid=$pid alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
	echo "$cmd" | show cmdline
	check=$(/usr/local/lib/ow-it/counter-check.sh /var/lib/ow-demo/count "$pre" 2>&1)
	echo "$check" | show state-check
	case "$cmd" in *"org.otherworld.demo.Main counter"*) same=yes ;; *) same=no ;; esac
	case "$check" in PASS*) state=pass ;; *) state=fail ;; esac
	say result same_pid=$same state_check=$state
	echo done > $dir/phase
	sync
	systemctl poweroff --no-block
	;;
*)
	say nothing-to-do
	systemctl poweroff --no-block
	;;
esac
