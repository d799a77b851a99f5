#!/bin/sh
# Install what wrapmon needs to build and test on Debian 12 (and Debian-like
# systems). Idempotent: when everything is present it prints nothing.
#
# libbpf >= 1.3 is needed for uprobe_multi links and bpf_program__attach_uprobe_multi().
# Debian 12 ships 1.1 in its main suite and a newer one in bookworm-backports; we
# add the backports suite by reusing the mirror URIs the system already uses, so
# no host name is ever written here.
set -eu

# clang-format: the layout check of `make check` (its version is pinned in the Makefile);
# libclang-rt-dev: libFuzzer and the sanitizer runtimes; valgrind: memcheck of the unit
# tests; libcap2-bin (capsh): the test that runs wrapmon without its capabilities;
# libmicrohttpd-dev: the HTTP server behind --metrics; g++: the C++ test target;
# libzydis-dev: the x86-64 decoder that finds return sites (no .pc: linked as -lZydis);
# libiberty-dev: the Rust demangler (legacy and v0 symbols; a static library, -liberty).
PKGS="clang clang-format llvm g++ libclang-rt-dev bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev libcmocka-dev libsqlite3-dev pkg-config make python3 valgrind libcap2-bin libssl-dev libcurl4-openssl-dev libmicrohttpd-dev libzydis-dev libiberty-dev"
MIN_LIBBPF=1.3

say() { printf 'install-deps: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

libbpf_version() {
	pkg-config --modversion libbpf 2>/dev/null || echo 0
}

version_ge() { # $1 >= $2 ?
	[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

missing_pkgs() {
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s ' "$p"
	done
}


if [ -z "$(missing_pkgs)" ] && version_ge "$(libbpf_version)" "$MIN_LIBBPF"; then
	exit 0
fi

[ "$(id -u)" = 0 ] || die "missing packages ($(missing_pkgs)) and not root: run 'sudo $0'"
command -v apt-get >/dev/null || die "no apt-get: install $PKGS and libbpf >= $MIN_LIBBPF by hand"

export DEBIAN_FRONTEND=noninteractive
APT_OPTS="-y -q -o Dpkg::Use-Pty=0 --no-install-recommends"
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")

# Print the URIs of the main archive as configured in the system's sources
# (deb822 .sources files and one-line .list files), skipping the security archive.
main_uris() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v cn="$codename" '
			BEGIN { RS=""; FS="\n" }
			{
				uris=""; suites=""; en=1
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^URIs:/)    { uris=$i;   sub(/^URIs:[ \t]*/, "", uris) }
					if ($i ~ /^Suites:/)  { suites=$i; sub(/^Suites:[ \t]*/, "", suites) }
					if ($i ~ /^Enabled:[ \t]*no/) en=0
				}
				n = split(suites, s, /[ \t]+/)
				for (j = 1; j <= n; j++) if (en && s[j] == cn) { print uris; break }
			}' "$f"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v cn="$codename" '$1 == "deb" && $0 !~ /^[ \t]*#/ {
			for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /\]$/) { uri=$i; suite=$(i+1); break }
			if (suite == cn) print uri }' "$f"
	done
}

add_backports() {
	bp="${codename}-backports"
	list=/etc/apt/sources.list.d/wrapmon-backports.sources
	[ -e "$list" ] && return 0
	uris=$(main_uris | tr ' ' '\n' | grep -v -- '-security' | sort -u | tr '\n' ' ')
	[ -n "$uris" ] || die "no apt source for '$codename' found to derive $bp from; add $bp by hand"
	say "adding $bp from the system's own apt URIs"
	cat >"$list" <<EOT
Types: deb
URIs: $uris
Suites: $bp
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
}

apt_quiet() {
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "'$*' failed"
	fi
	rm -f "$log"
}

say "installing build dependencies"
apt_quiet apt-get update -q
cand=$(apt-cache policy libbpf-dev | awk '/Candidate:/ { print $2 }' | sed 's/^[0-9]*://; s/-.*//')
if ! version_ge "${cand:-0}" "$MIN_LIBBPF"; then
	[ -n "$codename" ] || die "libbpf-dev ${cand:-none} < $MIN_LIBBPF and unknown release; install libbpf >= $MIN_LIBBPF"
	add_backports
	apt_quiet apt-get update -q
fi
target=""
if [ -n "$codename" ] && apt-cache policy libbpf-dev | grep -q " ${codename}-backports/"; then
	target="-t ${codename}-backports"
fi
# One transaction with the same target suite for all, so that libbpf-dev's
# libelf and the libdw we link come from the same elfutils release.
# shellcheck disable=SC2086
apt_quiet apt-get install $APT_OPTS $target $PKGS
version_ge "$(libbpf_version)" "$MIN_LIBBPF" ||
	die "libbpf $(libbpf_version) installed, need >= $MIN_LIBBPF"
say "done (libbpf $(libbpf_version))"
