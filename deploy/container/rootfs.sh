#!/usr/bin/env bash
# Makes the root filesystem of kubeward's container image (see Containerfile):
#   rootfs.sh BINARIES_DIR ROOTFS_DIR
# BINARIES_DIR holds kubeward and kubectl-oidc_login (target/release). The binaries are copied
# without their symbols (strip), with every shared library ldd names (and the dynamic loader) at
# the same path, the system's CA certificates, and /etc/passwd and /etc/group naming the
# non-root user 65532 that owns /var/lib/kubeward.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 BINARIES_DIR ROOTFS_DIR" >&2
  exit 2
fi
bin=$1
root=$2
rm -rf "$root"
mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/var/lib/kubeward" "$root/tmp"
chmod 1777 "$root/tmp"
for name in kubeward kubectl-oidc_login; do
  cp "$bin/$name" "$root/usr/local/bin/$name"
  strip "$root/usr/local/bin/$name" 2>/dev/null || true
done
for lib in $(for name in kubeward kubectl-oidc_login; do ldd "$bin/$name"; done | grep -o '/[^ ]*' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nkubeward:x:65532:65532:kubeward:/var/lib/kubeward:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nkubeward:x:65532:\n' >"$root/etc/group"
chown -R 65532:65532 "$root/var/lib/kubeward" 2>/dev/null || true
chmod 0700 "$root/var/lib/kubeward"
