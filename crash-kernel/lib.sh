# Shell helpers shared by the crash kernel's init and the arm step (sourced, busybox sh).

# Seconds since boot, to two decimals, from /proc/uptime (busybox date has no %N).
ow_uptime() { cut -d' ' -f1 /proc/uptime; }

# The value of a kernel command-line parameter NAME=VALUE, or empty.
ow_param() {
	for w in $(cat /proc/cmdline); do
		case "$w" in "$1="*) echo "${w#*=}"; return 0 ;; esac
	done
	return 1
}

# Waits up to $2 tenths of a second for block device $1.
ow_wait_dev() {
	n=0
	while [ ! -b "$1" ] && [ $n -lt "$2" ]; do sleep 0.1; n=$((n + 1)); done
	[ -b "$1" ]
}
