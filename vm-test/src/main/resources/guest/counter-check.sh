#!/bin/sh
# counter-check.sh FILE PRE: a counter workload is sound when it keeps advancing (the process runs)
# and, once it has rewritten FILE after the resurrection, the value is at least PRE (the last value
# seen before the crash: no rewind). The file as the crash left it may be older than the process's
# memory (the dead kernel's last renames can be lost with its journal), so the comparison waits
# until the process has written FILE again.
file=$1; pre=$2
first=$(cat "$file" 2>/dev/null)
a=$first
n=0
while [ "$a" = "$first" ] && [ $n -lt 100 ]; do sleep 0.2; a=$(cat "$file" 2>/dev/null); n=$((n + 1)); done
sleep 2
b=$(cat "$file" 2>/dev/null)
if [ -z "$a" ] || [ -z "$b" ]; then echo "FAIL no counter in $file"; exit 1; fi
if [ "$a" = "$first" ]; then echo "FAIL counter stalled at $a (not rewritten within 20 s)"; exit 1; fi
if [ "$a" -lt "$pre" ]; then echo "FAIL counter went back: $a < $pre (before the crash)"; exit 1; fi
if [ "$b" -le "$a" ]; then echo "FAIL counter stalled at $a"; exit 1; fi
echo "PASS counter $pre (before crash) -> $a -> $b (file held $first at the check)"
