#!/bin/sh
# build-rootfs.sh DIR MIRROR: a Debian 12 root filesystem with systemd for the install test (InstallIT),
# made by debootstrap (needs root and network). Everything the otherworld package depends on is
# installed here already, so that `apt install ./otherworld_*.deb` in the guest needs no network.
# The kernel is the package linux-image-cloud-amd64 depends on, with bookworm-updates and -security
# enabled, as the harness resolves it.
set -eu
dir=$1
mirror=${2:-http://deb.debian.org/debian}
rm -rf "$dir"
mkdir -p "$dir"
debootstrap --variant=minbase \
	--include=systemd,systemd-sysv,udev,dbus,kmod,iproute2,procps,kexec-tools,criu,makedumpfile,openjdk-17-jre-headless,initramfs-tools,linux-base,busybox,zstd,less \
	bookworm "$dir" "$mirror"
cat > "$dir/etc/apt/sources.list" <<EOS
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOS
cp /etc/resolv.conf "$dir/etc/resolv.conf"
mount -t proc proc "$dir/proc"
trap 'umount "$dir/proc" 2>/dev/null || true' EXIT
chroot "$dir" apt-get update -q
# initramfs for the cloud kernel: only what a virtio guest needs to mount its root (MODULES=dep
# would look at the build machine's /sys)
echo 'MODULES=list' > "$dir/etc/initramfs-tools/conf.d/otherworld-test"
printf 'virtio_pci\nvirtio_blk\n' >> "$dir/etc/initramfs-tools/modules"
DEBIAN_FRONTEND=noninteractive chroot "$dir" apt-get install -y -q --no-install-recommends linux-image-cloud-amd64
chroot "$dir" apt-get clean
rm -rf "$dir"/var/lib/apt/lists/*_Packages "$dir"/var/cache/apt/*.bin
umount "$dir/proc"
trap - EXIT
echo otherworld-test > "$dir/etc/hostname"
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' > "$dir/etc/fstab"
# root logs in on the serial console without a password (a test machine without network)
passwd -R "$dir" -d root
# timers that would compete for the two test CPUs
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer; do
	chroot "$dir" systemctl disable "$u" 2>/dev/null || true
done
ls "$dir"/boot
