#!/usr/bin/env bash
# Installs what Otherworld's build, tests and VM trials need on Debian 12; does nothing when all is there.
set -euo pipefail
pkgs=(openjdk-17-jdk-headless maven qemu-system-x86 qemu-utils busybox-static criu kexec-tools kmod
	e2fsprogs cpio util-linux gcc libc6-dev make gdb linux-headers-cloud-amd64 debootstrap)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# the guest kernel comes from the package lists: they must exist (apt-cache depends needs them)
lists=$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' 2>/dev/null | head -n 1)
if [ ${#missing[@]} -gt 0 ] || [ -z "$lists" ]; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "[setup] apt-get update"
	$sudo apt-get update -q >/dev/null
	if [ ${#missing[@]} -gt 0 ]; then
		echo "[setup] installing: ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
	fi
fi
# the guest kernel headers must match the kernel the metapackage names now
want=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)/\1/p' | head -n 1)
if [ -n "$want" ] && [ ! -d "/usr/src/linux-headers-$want" ]; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "[setup] installing linux-headers-$want"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "linux-headers-$want" >/dev/null
fi
