/**
 * Errors of the firmware command. Every code is listed with its fix in
 * firmware-scripts/README.md. Bad input is found before anything is written.
 */
import { EdgeError } from '../../runtime/common/errors.js';

export type FirmwareErrorCode =
  /** A flag is missing, unknown or malformed. */
  | 'EDGE_FIRMWARE_USAGE'
  /** The base file cannot be read. */
  | 'EDGE_FIRMWARE_INPUT_UNREADABLE'
  /** The base file has no partition table we can read (not a disk image). */
  | 'EDGE_FIRMWARE_NOT_AN_IMAGE'
  /** No FAT partition holding the kernel command line. */
  | 'EDGE_FIRMWARE_NO_BOOT_PARTITION'
  /** No ext4 root partition after the boot partition. */
  | 'EDGE_FIRMWARE_NO_ROOT_PARTITION'
  /** The root partition must grow but is not the last partition. */
  | 'EDGE_FIRMWARE_CANNOT_GROW'
  /** cmdline.txt is not a single line. */
  | 'EDGE_FIRMWARE_CMDLINE_INVALID'
  /** The board keeps its kernel command line outside the boot partition; the command cannot fix cgroups there. */
  | 'EDGE_FIRMWARE_BOARD_NOT_FLASHABLE'
  /** The output (or base) path is a block or character device. */
  | 'EDGE_FIRMWARE_OUTPUT_IS_DEVICE'
  /** The output exists and --force was not given, or equals the base without --in-place. */
  | 'EDGE_FIRMWARE_OUTPUT_EXISTS'
  /** A file to install (bundle, node, crun) is missing or built for the wrong CPU. */
  | 'EDGE_FIRMWARE_ARTIFACT_INVALID'
  /** crun/runc need a shared library none of the downloaded packages provide. */
  | 'EDGE_FIRMWARE_OCI_LIBRARY_MISSING'
  /** npm or apt could not fetch a package. */
  | 'EDGE_FIRMWARE_DOWNLOAD_FAILED'
  /** A host tool (sfdisk, mtools, debugfs, …) is not installed. */
  | 'EDGE_FIRMWARE_TOOL_MISSING'
  /** A host tool failed on the image. */
  | 'EDGE_FIRMWARE_TOOL_FAILED';

export class FirmwareError extends EdgeError {
  constructor(code: FirmwareErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'FirmwareError';
  }
}
