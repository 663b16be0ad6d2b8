import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryFileSystem, StorageConfigError, openFileStorage, sdCardDefaults, validateStorageConfig } from '../../runtime/raft/storage/index.js';
import { rejectsWithCode } from './support.js';

test('the SD-card defaults are valid together', () => {
  // Proves the shipped defaults pass their own validation.
  assert.ok(validateStorageConfig(sdCardDefaults('/var/lib/edged/raft')));
});

test('bad combinations are refused with the field named and the fix stated', async () => {
  // Proves validation catches limits that could never make progress, naming the field.
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ dir: '' }, 'dir'],
    [{ dir: '/d', segmentBytesMax: 4096, recordBytesMax: 4096 }, 'segmentBytesMax'],
    [{ dir: '/d', recordBytesMax: 8192, bufferedBytesMax: 4096 }, 'bufferedBytesMax'],
    [{ dir: '/d', segmentBytesMax: 1.5e6 + 0.5 }, 'segmentBytesMax'],
    [{ dir: '/d', recordBytesMax: -1 }, 'recordBytesMax'],
  ];
  for (const [options, field] of cases) {
    const error = await rejectsWithCode(openFileStorage({ fileSystem: new MemoryFileSystem(), ...options } as never), 'EDGE_RAFT_STORAGE_CONFIG_INVALID');
    assert.ok(error instanceof StorageConfigError);
    assert.ok(error.message.startsWith(`Raft storage option ${field}:`), error.message);
  }
});

test.run();
