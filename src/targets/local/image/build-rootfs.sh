#!/bin/sh
# Builds the pgdrill node image without a container registry:
# debootstrap a minimal bookworm root filesystem, then `docker import` it.
# Usage: build-rootfs.sh IMAGE_TAG MIRROR PACKAGES_FILE WORK_DIR
set -eu
tag="$1"; mirror="$2"; packages_file="$3"; work="$4"
root="$work/rootfs"
rm -rf "$root"; mkdir -p "$root"
include=$(grep -v '^#' "$packages_file" | grep -v '^$' | tr '\n' ',' | sed 's/,$//')
echo "debootstrap: bookworm from $mirror"
debootstrap --variant=minbase --include="$include" bookworm "$root" "$mirror"
# The package's default cluster is never used: Patroni runs initdb itself.
rm -rf "$root/var/lib/postgresql/15" "$root/etc/postgresql/15"
chroot "$root" sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*'
mkdir -p "$root/var/lib/pgbackrest" "$root/var/log/pgbackrest" "$root/etc/pgdrill"
chroot "$root" chown -R postgres:postgres /var/lib/pgbackrest /var/log/pgbackrest
echo "docker import: $tag"
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  - "$tag"
rm -rf "$root"
