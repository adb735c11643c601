#!/bin/sh
# groundtruth.sh OUT PGID...: stop every process of the given process groups, then record their state
# (what the vmcore will be checked against) and sync. The processes stay stopped until the crash.
out=$1; shift
for g in "$@"; do kill -STOP -"$g"; done
sleep 0.5
groups=$(echo "$@" | tr ' ' ',')
otherworld snapshot-live --groups "$groups" --out "$out" && sync && echo "groundtruth: written $out"
