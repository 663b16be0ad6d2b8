/**
 * Every failure the image subsystem reports to a person is an ImageError with
 * one of the codes below. README.md in this folder lists them with their fix;
 * keep the two in step when adding a code.
 */
import { EdgeError } from '../../common/errors.js';

export const imageErrorCodes = [
  'EDGE_IMAGE_BAD_REFERENCE',
  'EDGE_IMAGE_BAD_DIGEST',
  'EDGE_IMAGE_DIGEST_MISMATCH',
  'EDGE_IMAGE_SIZE_MISMATCH',
  'EDGE_IMAGE_MANIFEST_TOO_LARGE',
  'EDGE_IMAGE_BAD_MANIFEST',
  'EDGE_IMAGE_UNSUPPORTED_MEDIA_TYPE',
  'EDGE_IMAGE_PLATFORM_NOT_FOUND',
  'EDGE_IMAGE_UNSUPPORTED_COMPRESSION',
  'EDGE_IMAGE_BAD_TAR',
  'EDGE_IMAGE_UNSAFE_PATH',
  'EDGE_IMAGE_AUTH_FAILED',
  'EDGE_IMAGE_AUTH_CHALLENGE',
  'EDGE_IMAGE_NOT_FOUND',
  'EDGE_IMAGE_REGISTRY_ERROR',
  'EDGE_IMAGE_NETWORK',
  'EDGE_IMAGE_IN_USE',
  'EDGE_IMAGE_UNKNOWN',
  'EDGE_IMAGE_ROOTFS_EXISTS',
  'EDGE_IMAGE_ROOTFS_FAILED',
  'EDGE_IMAGE_BAD_ARCHIVE',
  'EDGE_IMAGE_STORE_CORRUPT',
] as const;

export type ImageErrorCode = (typeof imageErrorCodes)[number];

export class ImageError extends EdgeError {
  declare readonly code: ImageErrorCode;

  constructor(code: ImageErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'ImageError';
  }
}

export function isImageError(value: unknown, code?: ImageErrorCode): value is ImageError {
  return value instanceof ImageError && (code === undefined || value.code === code);
}
