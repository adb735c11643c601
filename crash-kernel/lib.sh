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

# Waits until the serial console has sent what was written to it: its transmit counters in
# /proc/tty/driver/serial stay the same for 50 ms (at most 1 s); 0.2 s when that file is missing.
ow_drain_console() {
	f=/proc/tty/driver/serial
	if [ ! -r "$f" ]; then
		sleep 0.2
		return
	fi
	prev=""
	cur=$(grep -o 'tx:[0-9]*' "$f" | tr '\n' ' ')
	n=0
	while [ "$cur" != "$prev" ] && [ $n -lt 20 ]; do
		prev=$cur
		sleep 0.05
		cur=$(grep -o 'tx:[0-9]*' "$f" | tr '\n' ' ')
		n=$((n + 1))
	done
}
