// Durable Raft storage: segmented log with CRCs, group commit, snapshots. See README.md.
export { FileStorage, openFileStorage } from './file-storage.js';
export { sdCardDefaults, simulationDefaults, validateStorageConfig, type StorageConfig, type StorageOptions } from './config.js';
export { nodeFileSystem, type FileSystem, type StorageFile } from './file-system.js';
export { MemoryFileSystem, errnoError, type MemoryFaults } from './memory-file-system.js';
export type { StorageStats } from './instrumented-file-system.js';
export {
  EntryTooLargeError,
  LogCorruptError,
  SnapshotCorruptError,
  SnapshotMissingError,
  SnapshotTooLargeError,
  StorageBacklogError,
  StorageConfigError,
  StorageFormatError,
  StorageIoError,
} from './errors.js';
