#!/bin/sh
# Builds the pgdrill node image without a container registry:
# debootstrap a minimal root filesystem of the generation's Debian suite,
# then `docker import` it.
# Usage: build-rootfs.sh IMAGE_TAG SUITE POSTGRES_MAJOR MIRROR PACKAGES_FILE WORK_DIR
set -eu
tag="$1"; suite="$2"; pg_major="$3"; mirror="$4"; packages_file="$5"; work="$6"
root="$work/rootfs"
rm -rf "$root"; mkdir -p "$root"
include=$( (grep -v '^#' "$packages_file" | grep -v '^$'; echo "postgresql-$pg_major") | tr '\n' ',' | sed 's/,$//')
echo "debootstrap: $suite from $mirror"
debootstrap --variant=minbase --include="$include" "$suite" "$root" "$mirror"
# The package's default cluster is never used: Patroni runs initdb itself.
rm -rf "$root/var/lib/postgresql/$pg_major" "$root/etc/postgresql/$pg_major"
chroot "$root" sh -c 'apt-get clean; rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*'
mkdir -p "$root/var/lib/pgbackrest" "$root/var/log/pgbackrest" "$root/etc/pgdrill"
chroot "$root" chown -R postgres:postgres /var/lib/pgbackrest /var/log/pgbackrest
echo "docker import: $tag"
tar -C "$root" -c . | docker import \
  --change "ENV PATH=/usr/lib/postgresql/$pg_major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'ENV LANG=C.UTF-8' \
  - "$tag"
rm -rf "$root"
