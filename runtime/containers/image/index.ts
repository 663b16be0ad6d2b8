// The public surface of the image subsystem; other folders import from here only.
export { ImageService, type ImageServiceOptions, type ImageSummary, type PullOptions, type RemoveResult } from './image-service.js';
export type { ImageRecord, ImageLayer } from './image-records.js';
export type { PreparedRootfs, RootfsMode, RootfsModePreference } from './rootfs.js';
export type { ImageRuntimeConfig, Platform } from './manifest.js';
export type { PullProgress, ProgressListener } from './progress.js';
export type { GarbageReport } from './garbage-collector.js';
export type { LoadedImage } from './archive-load.js';
export type { RegistryCredentials, CredentialLookup } from './registry-auth.js';
export { ImageError, isImageError, imageErrorCodes, type ImageErrorCode } from './errors.js';
export { parseReference, formatReference, type ImageReference } from './reference.js';
export { hostPlatform, parsePlatform, formatPlatform } from './platform.js';
