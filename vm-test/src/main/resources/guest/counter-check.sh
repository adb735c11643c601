#!/bin/sh
# counter-check.sh FILE PRE: a counter workload is sound when the value in FILE is at least PRE (the
# last value seen before the crash: no rewind) and it keeps advancing (the process runs).
file=$1; pre=$2
a=$(cat "$file" 2>/dev/null)
sleep 2
b=$(cat "$file" 2>/dev/null)
if [ -z "$a" ] || [ -z "$b" ]; then echo "FAIL no counter in $file"; exit 1; fi
if [ "$a" -lt "$pre" ]; then echo "FAIL counter went back: $a < $pre (before the crash)"; exit 1; fi
if [ "$b" -le "$a" ]; then echo "FAIL counter stalled at $a"; exit 1; fi
echo "PASS counter $pre (before crash) -> $a -> $b"
