#!/bin/sh
# recent-files.sh run DIR | check DIR PRE
#
# run: makes a new file f.I every 0.25 s (I = 1, 2, ...), its contents made from I ("file I" repeated
# 1 to 2000 times: up to five pages), then appends I to held.log (kept open) and deletes f.(I-60). At any
# crash the files of the last seconds have been written back by the kernel (clean pages) while their
# block allocation, size and directory entry may sit in a journal transaction that never commits: the
# resurrector must write them from the page cache (docs/resurrection.md, Files written just before the
# crash).
# check: held.log holds 1..N in order with N >= PRE (the last line the probe saw before the crash), each
# of the last (up to) 50 files up to N holds exactly its contents, and the resurrected loop goes on.
contents() { yes "file $1" | head -n $(( ($1 * 37) % 2000 + 1 )); }

case $1 in
run)
	cd "$2" || exit 1
	exec 3>>held.log
	i=0
	while :; do
		i=$((i + 1))
		contents $i > f.$i
		echo $i >&3
		rm -f f.$((i - 60))
		sleep 0.25
	done
	;;
check)
	cd "$2" || exit 1
	pre=$3
	n=$(tail -n 1 held.log)
	if [ -z "$n" ]; then echo "FAIL held.log is empty ($(stat -c %s held.log) bytes)"; exit 1; fi
	seq 1 "$n" > .expect
	if ! head -n "$n" held.log | cmp -s .expect -; then
		echo "FAIL held.log is not 1..$n: $(head -n "$n" held.log | cmp .expect - 2>&1 | head -n 1)"; exit 1
	fi
	if [ "$n" -lt "$pre" ]; then echo "FAIL held.log ends at $n, before the crash it had reached $pre"; exit 1; fi
	from=$((n - 49)); [ $from -lt 1 ] && from=1
	bad=0
	j=$from
	while [ $j -le "$n" ]; do
		if [ ! -e f.$j ]; then
			echo "FAIL f.$j is missing"; bad=1
		elif ! contents $j | cmp -s - f.$j; then
			echo "FAIL f.$j differs: $(stat -c %s f.$j) bytes, expected $(contents $j | wc -c); $(contents $j | cmp - f.$j 2>&1 | head -n 1)"; bad=1
		fi
		j=$((j + 1))
	done
	[ $bad = 0 ] || exit 1
	sleep 2
	m=$(tail -n 1 held.log)
	if [ "$m" -le "$n" ]; then echo "FAIL no new file after the resurrection (held.log still ends at $m)"; exit 1; fi
	echo "PASS files f.$from..f.$n intact (before the crash: $pre), loop went on to $m"
	;;
*)
	echo "usage: recent-files.sh run DIR | check DIR PRE" >&2; exit 2
	;;
esac
