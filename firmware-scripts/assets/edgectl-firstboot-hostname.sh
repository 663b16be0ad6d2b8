#!/bin/sh
# Gives this board a hostname no other board flashed from the same image has:
# hostnamePattern from edgectl.yaml on the boot partition, with {serial} the
# last 8 hex digits of the board serial and {board} the profile id. Without
# it, a hundred cards cloned from one image all answer to "raspberrypi" and
# mDNS names collide. systemd runs it once per card: the marker file written
# at the end makes ConditionPathExists skip it on later boots.
#
# Installed by firmware-scripts/build-image.ts, which fills in @BOARD@ and
# @BOOT_PATH@. EDGE_ROOT, when set, stands for / (tests run this script
# against a fixture tree); on a board it is unset.
set -eu

root="$(printenv EDGE_ROOT || true)"
board='@BOARD@'
config="$root@BOOT_PATH@/edgectl.yaml"
marker="$root/var/lib/edgectl/hostname-set"
default_pattern='edge-{serial}'

# The serial: device tree first (Pi 4/5, CM4), then /proc/cpuinfo (older
# kernels), then the machine id as a last resort on boards with neither.
serial=''
if [ -r "$root/proc/device-tree/serial-number" ]; then
  serial="$(tr -d '\000' < "$root/proc/device-tree/serial-number")"
fi
if [ -z "$serial" ] && [ -r "$root/proc/cpuinfo" ]; then
  serial="$(sed -n 's/^Serial[[:space:]]*:[[:space:]]*//p' "$root/proc/cpuinfo" | head -n 1)"
fi
if [ -z "$serial" ] && [ -r "$root/etc/machine-id" ]; then
  serial="$(cat "$root/etc/machine-id")"
fi
serial="$(printf '%s' "$serial" | tr 'A-F' 'a-f' | tr -cd '0-9a-f' | tail -c 8)"
if [ -z "$serial" ]; then
  echo "edgectl-hostname: no board serial found; leaving the hostname as it is" >&2
  exit 0
fi

# edgectl.yaml is written with one field per line; read just this field
# rather than carry a YAML parser in a boot script.
pattern=''
if [ -r "$config" ]; then
  pattern="$(sed -n "s/^hostnamePattern:[[:space:]]*[\"']\{0,1\}\([a-z0-9{}-]*\)[\"']\{0,1\}[[:space:]]*\$/\1/p" "$config" | head -n 1)"
fi
case "$pattern" in
  *'{serial}'*) ;;
  *)
    [ -n "$pattern" ] && echo "edgectl-hostname: hostnamePattern '$pattern' lacks {serial}; using $default_pattern" >&2
    pattern="$default_pattern"
    ;;
esac
name="$(printf '%s' "$pattern" | sed "s/{serial}/$serial/g; s/{board}/$board/g")"
case "$name" in
  '' | -* | *- | *[!a-z0-9-]*)
    echo "edgectl-hostname: '$name' is not a valid hostname; using $default_pattern" >&2
    name="$(printf '%s' "$default_pattern" | sed "s/{serial}/$serial/g")"
    ;;
esac
if [ "$(printf '%s' "$name" | wc -c)" -gt 63 ]; then
  name="$(printf '%s' "$name" | cut -c 1-63 | sed 's/-*$//')"
fi

previous="$(cat "$root/etc/hostname" 2>/dev/null || true)"
printf '%s\n' "$name" > "$root/etc/hostname"
# Debian resolves its own name through the 127.0.1.1 line; keep it in step.
if [ -f "$root/etc/hosts" ] && grep -q '^127\.0\.1\.1[[:space:]]' "$root/etc/hosts"; then
  sed -i "s/^127\.0\.1\.1[[:space:]].*/127.0.1.1\t$name/" "$root/etc/hosts"
else
  printf '127.0.1.1\t%s\n' "$name" >> "$root/etc/hosts"
fi
# Set the running kernel's name too, so DHCP and mDNS announce it on this very boot.
if [ -z "$root" ]; then
  printf '%s' "$name" > /proc/sys/kernel/hostname
fi
mkdir -p "$(dirname "$marker")"
printf '%s\n' "$name" > "$marker"
echo "edgectl-hostname: hostname is now $name (was ${previous:-unset})"
