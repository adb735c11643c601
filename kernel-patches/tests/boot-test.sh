#!/bin/bash
# Boots the patched kernel built by `build.sh --full` under QEMU (TCG, 2 CPUs) with a busybox
# initramfs and checks the three patches end to end:
#   1. owtest prctl: PR_SET/GET_OTHERWORLD, fork inherits, exec clears;
#   2. kdump armed with the same kernel, then owtest crash panics the guest (CPU 1) from a user
#      task that set policy 3/7 and holds a pattern in xmm15, while "owspin" spins in user mode
#      on CPU 0 with a pattern in xmm14 (saved by the kdump NMI callback);
#   3. in the crash kernel, owtest vmcore reads otherworld_crash_info, the dead task's
#      mm->otherworld_policy, fpu.crash_saved and xmm15, and owspin's crash_saved and xmm14
#      from /proc/vmcore.
# Usage: boot-test.sh [OUT_DIR]   (default: the OW_KERNEL_OUT of the last full build)
# Needs: qemu-system-x86_64, busybox-static, kexec-tools, pahole, gcc (static glibc).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CACHE_ROOT=${OW_KERNEL_CACHE:-$HOME/.cache/otherworld/kernel-src}
out=${1:-}
if [ -z "$out" ]; then
	out=$(ls -d "$CACHE_ROOT"/*/full/out 2> /dev/null | tail -n 1)
fi
[ -n "$out" ] && [ -f "$out/release" ] || { echo "boot-test: no full build output (run build.sh --full)" >&2; exit 1; }
krel=$(cat "$out/release")
build=$(cd "$out/../build" && pwd)
image="$out/boot/vmlinuz-$krel"
vmlinux="$build/vmlinux"
work=$(mktemp -d /tmp/ow-boot-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# offset of member $2 in struct $1, from the vmlinux DWARF (awk reads to the end: no SIGPIPE)
off() {
	pahole -C "$1" "$vmlinux" | awk -v m="$2" '
		{ line = $0; sub(/\/\*.*/, "", line) }
		line ~ ("[ *]" m "(\\[[0-9]*\\])?( __attribute__.*)?;") { match($0, /\/\* *[0-9]+/); s = substr($0, RSTART + 2, RLENGTH - 2); gsub(/ /, "", s); if (!done) print s; done = 1 }'
}
o_thread=$(off task_struct thread)
o_fpu=$(off thread_struct fpu)
init_task=$(awk '$3 == "init_task" { print $1 }' "$out/boot/System.map-$krel")
offsets="$((o_thread + o_fpu)),$(off fpu crash_saved),$(off fpu fpstate),$(off fpstate regs),$(off task_struct mm)"
offsets="$offsets,$(off mm_struct otherworld_policy),$(off task_struct tasks),$(off task_struct comm),$init_task"
echo "boot-test: offsets $offsets"
case "$offsets" in *,,* | ,* | *,) echo "boot-test: could not read offsets from $vmlinux" >&2; exit 1 ;; esac

gcc -O2 -static -Wall -o "$work/owtest" "$HERE/owtest.c"

mkroot() {
	local r=$1 lib
	mkdir -p "$r"/{bin,proc,sys,dev,boot,lib64,lib/x86_64-linux-gnu}
	cp /bin/busybox "$r/bin/busybox"
	cp "$work/owtest" "$r/owtest"
	cat > "$r/init" << EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
if [ -e /proc/vmcore ]; then
	/owtest vmcore $offsets
	echo "OWTEST VMCORE-EXIT \$?"
	poweroff -f
fi
/owtest prctl
echo "OWTEST PRCTL-EXIT \$?"
if [ -x /bin/kexec ] && kexec -p /boot/bzImage --initrd=/boot/crash.cpio.gz \
	--append="console=ttyS0 nokaslr no5lvl irqpoll nr_cpus=1 reset_devices panic=-1"; then
	echo "OWTEST ARMED \$(cat /sys/kernel/kexec_crash_loaded)"
	/owtest crash
fi
echo "OWTEST NOT-CRASHED"
poweroff -f
EOF
	chmod +x "$r/init"
}

mkroot "$work/crash"
(cd "$work/crash" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/crash.cpio.gz"
mkroot "$work/main"
cp /usr/sbin/kexec "$work/main/bin/kexec"
for lib in $(ldd /usr/sbin/kexec | awk '/=>/ { print $3 } /ld-linux/ { print $1 }'); do
	cp -L "$lib" "$work/main$lib"
done
cp "$image" "$work/main/boot/bzImage"
cp "$work/crash.cpio.gz" "$work/main/boot/crash.cpio.gz"
(cd "$work/main" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/main.cpio.gz"

echo "boot-test: booting $krel (log: $work/console.log, copied to /tmp/ow-boot-test.log)"
timeout 600 qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 1024 -nographic -no-reboot \
	-kernel "$image" -initrd "$work/main.cpio.gz" \
	-append "console=ttyS0 nokaslr no5lvl crashkernel=256M panic=-1 quiet" \
	> "$work/console.log" 2>&1 || true
cp "$work/console.log" /tmp/ow-boot-test.log
grep -a 'OWTEST' "$work/console.log" || true
pass=$(grep -ac 'OWTEST PASS' "$work/console.log" || true)
fail=$(grep -ac 'OWTEST FAIL' "$work/console.log" || true)
echo "$pass passed, $fail failed"
grep -aq 'OWTEST DONE vmcore' "$work/console.log" || { echo "boot-test: the crash kernel did not run the vmcore check" >&2; exit 1; }
[ "$fail" -eq 0 ]
