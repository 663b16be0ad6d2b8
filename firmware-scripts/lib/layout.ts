/**
 * Where things go inside the image. One place, so the unit files, the
 * wrappers, the build and the tests agree. Everything of ours lives under
 * /opt/edgectl (never over the base OS's own files), plus unit files and a
 * few links where systemd and $PATH look.
 */
export const INSTALL_ROOT = '/opt/edgectl';
export const NODE_BINARY = `${INSTALL_ROOT}/node/bin/node`;
export const NODE_LICENSE = `${INSTALL_ROOT}/node/LICENSE`;
export const EDGED_BUNDLE = `${INSTALL_ROOT}/lib/edged.js`;
export const EDGECTL_BUNDLE = `${INSTALL_ROOT}/lib/edgectl.js`;
export const OCI_BIN_DIR = `${INSTALL_ROOT}/oci/bin`;
/** crun, runc and every library they load, including glibc's loader: they do not depend on the base OS's versions. */
export const OCI_LIB_DIR = `${INSTALL_ROOT}/oci/lib`;
export const OCI_INTERPRETER = `${OCI_LIB_DIR}/ld-linux-aarch64.so.1`;
export const FIRSTBOOT_HOSTNAME_SCRIPT = `${INSTALL_ROOT}/bin/edgectl-firstboot-hostname`;
export const IMAGE_MANIFEST = '/etc/edgectl/image.json';
/** Marker the hostname script leaves so it runs once per card. */
export const HOSTNAME_DONE_MARKER = '/var/lib/edgectl/hostname-set';
export const STATE_DIR = '/var/lib/edgectl';

export const SYSTEMD_UNIT_DIR = '/usr/lib/systemd/system';
export const EDGED_UNIT = 'edged.service';
export const HOSTNAME_UNIT = 'edgectl-hostname.service';
/** Enabling a unit is a symlink in a .wants directory; this is what `systemctl enable` would create. */
export const EDGED_WANTS_LINK = `/etc/systemd/system/multi-user.target.wants/${EDGED_UNIT}`;
export const HOSTNAME_WANTS_LINK = `/etc/systemd/system/sysinit.target.wants/${HOSTNAME_UNIT}`;

export const PATH_LINKS: ReadonlyArray<{ path: string; target: string }> = [
  { path: '/usr/local/bin/crun', target: `${OCI_BIN_DIR}/crun` },
  { path: '/usr/local/bin/runc', target: `${OCI_BIN_DIR}/runc` },
];
export const EDGECTL_WRAPPER = '/usr/local/bin/edgectl';
