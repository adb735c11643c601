#!/bin/bash
# Builds Debian 12's 6.1 kernel with the Otherworld patch series (see docs/kernel-patches.md).
#
#   build.sh --check   checkpatch each patch, apply the series to a fresh copy of the source and
#                      compile only the compilation units the series touches (what CI runs)
#   build.sh --full    bzImage + modules of the patched kernel into the cache; prints the paths
#   build.sh --config  only (re)make the trimmed configuration and print its path
#
# Options: --jobs N (default 1 for --check, 2 for --full), --no-checkpatch.
# Environment: OW_KERNEL_CACHE (default ~/.cache/otherworld/kernel-src).
#
# Source: the Debian package linux-source-6.1 (Debian's patched tree), installed if missing and
# unpacked once into $OW_KERNEL_CACHE/<package version>/src. Configuration: the .config of the
# kernel that linux-image-cloud-amd64 depends on now (from its linux-headers package), trimmed to
# what the VM harness needs (modules: see HARNESS_MODULES).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SERIES="$HERE/series"
CACHE_ROOT=${OW_KERNEL_CACHE:-$HOME/.cache/otherworld/kernel-src}
SRC_PKG=linux-source-6.1
SRC_TARBALL=/usr/src/linux-source-6.1.tar.xz
META_PKG=linux-image-cloud-amd64
LOCALVERSION=-otherworld
# Modules the VM harness loads or CRIU needs; everything else built as a module is dropped.
HARNESS_MODULES="virtio_pci virtio_pci_legacy_dev virtio_pci_modern_dev virtio_blk virtio_net
 net_failover failover virtio_console virtio_rng virtio_balloon virtio_scsi
 nfnetlink nf_tables nft_ct nft_reject nft_reject_inet nf_reject_ipv4 nf_reject_ipv6
 nf_conntrack nf_defrag_ipv4 nf_defrag_ipv6 libcrc32c x_tables ip_tables ip6_tables
 iptable_filter ip6table_filter xt_mark xt_conntrack
 af_packet_diag unix_diag inet_diag tcp_diag udp_diag netlink_diag
 tun veth overlay loop"

log() { printf 'build.sh: %s\n' "$*" >&2; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }
now() { date +%s; }

usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

mode=""
jobs=""
checkpatch=1
while [ $# -gt 0 ]; do
	case "$1" in
	--check | --full | --config) mode=${1#--} ;;
	--jobs) shift; jobs=${1:?--jobs needs a number} ;;
	--jobs=*) jobs=${1#--jobs=} ;;
	--no-checkpatch) checkpatch=0 ;;
	-h | --help) usage ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done
[ -n "$mode" ] || usage
[ -n "$jobs" ] || { [ "$mode" = full ] && jobs=2 || jobs=1; }

need_tools() {
	local missing=() t
	for t in gcc make flex bison bc perl patch xz pahole openssl; do
		command -v "$t" > /dev/null || missing+=("$t")
	done
	[ -e /usr/include/libelf.h ] || missing+=(libelf-dev)
	[ -e /usr/include/openssl/ssl.h ] || missing+=(libssl-dev)
	[ ${#missing[@]} -eq 0 ] && return
	log "installing build tools (missing: ${missing[*]})"
	apt_install gcc make flex bison bc perl patch xz-utils dwarves libelf-dev libssl-dev
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" > /dev/null ||
		{ apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" > /dev/null; } ||
		die "apt-get install $* failed"
}

# Empty when not installed. dpkg-query exits 1 for a package it has never seen (a fresh machine), which
# under pipefail would end the script silently at `V=$(pkg_version ...)`.
pkg_version() {
	{ dpkg-query -W -f='${Status} ${Version}\n' "$1" 2> /dev/null || true; } | sed -n 's/^install ok installed //p'
}

# Unpacks Debian's kernel source once per package version; sets SRC_VERSION, CACHE, PRISTINE.
ensure_source() {
	SRC_VERSION=$(pkg_version "$SRC_PKG")
	if [ -z "$SRC_VERSION" ] || [ ! -f "$SRC_TARBALL" ]; then
		log "installing $SRC_PKG"
		apt_install "$SRC_PKG"
		SRC_VERSION=$(pkg_version "$SRC_PKG")
	fi
	[ -n "$SRC_VERSION" ] && [ -f "$SRC_TARBALL" ] || die "$SRC_PKG is not installed ($SRC_TARBALL missing)"
	CACHE="$CACHE_ROOT/$SRC_VERSION"
	PRISTINE="$CACHE/src"
	if [ ! -f "$PRISTINE/.ow-unpacked" ]; then
		log "unpacking $SRC_TARBALL ($SRC_PKG $SRC_VERSION) into $PRISTINE"
		rm -rf "$PRISTINE" "$PRISTINE.tmp"
		mkdir -p "$PRISTINE.tmp"
		tar -xJf "$SRC_TARBALL" -C "$PRISTINE.tmp" --strip-components=1
		mv "$PRISTINE.tmp" "$PRISTINE"
		touch "$PRISTINE/.ow-unpacked"
	fi
}

# The Debian cloud kernel's configuration; sets DEBIAN_CONFIG.
ensure_debian_config() {
	local rel pkg dir
	DEBIAN_CONFIG="$CACHE/config.debian"
	[ -s "$DEBIAN_CONFIG" ] && return
	rel=$(apt-cache depends "$META_PKG" 2> /dev/null | sed -n 's/.*Depends: linux-image-\([0-9].*\)/\1/p' | head -n 1)
	if [ -z "$rel" ]; then
		apt-get update -q > /dev/null || true
		rel=$(apt-cache depends "$META_PKG" 2> /dev/null | sed -n 's/.*Depends: linux-image-\([0-9].*\)/\1/p' | head -n 1)
	fi
	mkdir -p "$CACHE"
	if [ -n "$rel" ] && [ -s "/usr/src/linux-headers-$rel/.config" ]; then
		cp "/usr/src/linux-headers-$rel/.config" "$DEBIAN_CONFIG.tmp"
		echo "linux-headers-$rel (installed)" > "$CACHE/config.origin"
	elif [ -n "$rel" ]; then
		pkg="linux-headers-$rel"
		dir="$CACHE/debs"
		rm -rf "$dir" && mkdir -p "$dir"
		log "downloading $pkg for its .config"
		(cd "$dir" && apt-get download -q "$pkg" > /dev/null) || die "apt-get download $pkg failed"
		dpkg-deb -x "$dir"/"$pkg"_*.deb "$dir/root"
		[ -s "$dir/root/usr/src/$pkg/.config" ] || die "$pkg has no usr/src/$pkg/.config"
		cp "$dir/root/usr/src/$pkg/.config" "$DEBIAN_CONFIG.tmp"
		echo "$pkg (downloaded)" > "$CACHE/config.origin"
		rm -rf "$dir"
	else
		die "apt-cache depends $META_PKG names no linux-image-<release> package"
	fi
	mv "$DEBIAN_CONFIG.tmp" "$DEBIAN_CONFIG"
	log "Debian config: $(cat "$CACHE/config.origin")"
}

# Makes a fresh copy of the pristine source (hard links; GNU patch replaces the files it changes)
# and applies the series to it.
patched_copy() {
	local dest=$1 p
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	cp -al "$PRISTINE" "$dest"
	rm -f "$dest/.ow-unpacked"
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		[ -f "$HERE/$p" ] || die "series names a missing patch: $p"
		patch -d "$dest" -p1 -s --forward --fuzz=0 --no-backup-if-mismatch < "$HERE/$p" ||
			die "patch $p does not apply to $SRC_PKG $SRC_VERSION"
	done < "$SERIES"
}

kmake() {
	local src=$1 build=$2
	shift 2
	make -s -C "$src" O="$build" LOCALVERSION= "$@"
}

# Trimmed configuration in $1/.config (build dir), from the Debian cloud config.
configure() {
	local src=$1 build=$2 lsmod m
	mkdir -p "$build"
	cp "$DEBIAN_CONFIG" "$build/.config"
	"$src/scripts/config" --file "$build/.config" \
		--set-str LOCALVERSION "$LOCALVERSION" --disable LOCALVERSION_AUTO \
		--set-str BUILD_SALT "" \
		--disable MODULE_SIG --disable MODULE_SIG_ALL --set-str MODULE_SIG_KEY "" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--disable DEBUG_INFO_BTF_MODULES \
		--enable KEXEC --enable KEXEC_FILE --enable CRASH_DUMP --enable PROC_VMCORE \
		--enable CHECKPOINT_RESTORE --enable DEBUG_INFO_BTF --enable EXT4_FS \
		--enable KALLSYMS --enable KALLSYMS_ALL
	lsmod="$build/.ow-lsmod"
	echo "Module Size Used by" > "$lsmod"
	for m in $HARNESS_MODULES; do echo "$m 16384 0"; done >> "$lsmod"
	kmake "$src" "$build" LSMOD="$lsmod" localmodconfig > "$build/.ow-localmodconfig.log" 2>&1 ||
		{ cat "$build/.ow-localmodconfig.log" >&2; die "make localmodconfig failed"; }
	kmake "$src" "$build" olddefconfig
	for m in KEXEC CRASH_DUMP PROC_VMCORE CHECKPOINT_RESTORE DEBUG_INFO_BTF EXT4_FS VIRTIO_PCI \
		VIRTIO_BLK NF_TABLES UNIX_DIAG; do
		grep -Eq "^CONFIG_$m=[ym]" "$build/.config" || die "trimmed config lost CONFIG_$m"
	done
}

# The compilation units (.o) the series changes: every .c file a patch touches.
changed_objects() {
	local p
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		sed -n 's|^+++ b/\(.*\)\.c$|\1.o|p' "$HERE/$p"
	done < "$SERIES" | sort -u
}

run_checkpatch() {
	local src=$1 p out rc=0
	while read -r p; do
		case "$p" in '' | '#'*) continue ;; esac
		out=$("$src/scripts/checkpatch.pl" --no-tree --terse "$HERE/$p" 2>&1) || rc=1
		printf 'checkpatch %s: %s\n' "$p" "${out:-clean}"
		[ "$rc" -eq 0 ] || { printf '%s\n' "$out" >&2; die "checkpatch failed on $p"; }
	done < "$SERIES"
}

do_check() {
	local t0 t1 work src build objs
	t0=$(now)
	work="$CACHE/check"
	src="$work/src"
	build="$work/build"
	patched_copy "$src"
	log "series applied to a fresh copy in $src"
	[ "$checkpatch" -eq 0 ] || run_checkpatch "$src"
	rm -rf "$build"
	configure "$src" "$build"
	t1=$(now)
	log "configured in $((t1 - t0)) s; make prepare (-j$jobs)"
	kmake "$src" "$build" -j"$jobs" prepare
	objs=$(changed_objects)
	log "prepared in $(($(now) - t1)) s; compiling:" $objs
	t1=$(now)
	# shellcheck disable=SC2086 # one word per object
	kmake "$src" "$build" -j"$jobs" KCFLAGS=-Werror $objs
	log "compiled in $(($(now) - t1)) s"
	echo "check OK: $SRC_PKG $SRC_VERSION + $(grep -cv '^\(#\|$\)' "$SERIES") patches, $(echo $objs | wc -w) units, $(($(now) - t0)) s"
}

do_full() {
	local t0 work src build out krel
	t0=$(now)
	work="$CACHE/full"
	src="$work/src"
	build="$work/build"
	out="$work/out"
	patched_copy "$src"
	configure "$src" "$build.newconfig"
	if ! cmp -s "$build.newconfig/.config" "$build/.config" 2> /dev/null; then
		rm -rf "$build"
		mkdir -p "$build"
		cp "$build.newconfig/.config" "$build/.config"
	fi
	rm -rf "$build.newconfig"
	log "building bzImage and modules in $build (nice -n 19, -j$jobs)"
	nice -n 19 make -s -C "$src" O="$build" LOCALVERSION= -j"$jobs" bzImage modules
	krel=$(kmake "$src" "$build" kernelrelease)
	rm -rf "$out"
	mkdir -p "$out/boot"
	kmake "$src" "$build" INSTALL_MOD_PATH="$out" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod modules_install
	cp "$build/arch/x86/boot/bzImage" "$out/boot/vmlinuz-$krel"
	cp "$build/System.map" "$out/boot/System.map-$krel"
	cp "$build/.config" "$out/boot/config-$krel"
	echo "$krel" > "$out/release"
	log "full build done in $(($(now) - t0)) s"
	echo "OW_KERNEL_RELEASE=$krel"
	echo "OW_KERNEL_IMAGE=$out/boot/vmlinuz-$krel"
	echo "OW_KERNEL_MODULES=$out/lib/modules/$krel"
	echo "OW_KERNEL_VMLINUX=$build/vmlinux"
	echo "OW_KERNEL_BUILD_DIR=$build"
	echo "OW_KERNEL_OUT=$out"
}

need_tools
ensure_source
ensure_debian_config
case "$mode" in
check) do_check ;;
full) do_full ;;
config)
	rm -rf "$CACHE/config-only"
	patched_copy "$CACHE/config-only/src"
	configure "$CACHE/config-only/src" "$CACHE/config-only/build"
	echo "$CACHE/config-only/build/.config"
	;;
esac
