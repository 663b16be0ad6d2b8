import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { WireError, WireErrorCode } from '../../runtime/wire/errors.js';
import { defaultWireLimits, validateWireLimits, wireLimits } from '../../runtime/wire/limits.js';

function invalidField(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof WireError && error.code === WireErrorCode.LimitsInvalid) return error.field;
    throw error;
  }
  throw new Error('limits were accepted');
}

test('the default limits are valid and match the documented values', () => {
  // Proves the defaults the README promises: 4 MiB frames, depth 32, 262,144 items, 1 MiB strings, 128-byte keys.
  validateWireLimits(defaultWireLimits);
  assert.equal({ ...defaultWireLimits }, { frameBytesMax: 4_194_304, depthMax: 32, itemsMax: 262_144, stringBytesMax: 1_048_576, keyBytesMax: 128 });
});

test('out-of-range limits are refused naming the field', () => {
  // Proves a configuration mistake is caught at startup with the field to fix.
  assert.is(invalidField(() => wireLimits({ frameBytesMax: 0 })), 'frameBytesMax');
  assert.is(invalidField(() => wireLimits({ frameBytesMax: 1.5e9 })), 'frameBytesMax');
  assert.is(invalidField(() => wireLimits({ depthMax: 1 })), 'depthMax');
  assert.is(invalidField(() => wireLimits({ depthMax: 10_000 })), 'depthMax');
  assert.is(invalidField(() => wireLimits({ itemsMax: Number.NaN })), 'itemsMax');
  assert.is(invalidField(() => wireLimits({ frameBytesMax: 1024, stringBytesMax: 2048 })), 'stringBytesMax');
  assert.is(invalidField(() => wireLimits({ keyBytesMax: 2 })), 'keyBytesMax');
});

test('a smaller frame bound pulls the string bounds down with it', () => {
  // Proves wireLimits({frameBytesMax}) alone yields consistent limits, while explicit values are kept.
  assert.equal(wireLimits({ frameBytesMax: 100 }), { ...defaultWireLimits, frameBytesMax: 100, stringBytesMax: 100, keyBytesMax: 100 });
  assert.is(wireLimits({ frameBytesMax: 4096, stringBytesMax: 50 }).keyBytesMax, 50);
  assert.ok(Object.isFrozen(wireLimits()));
});
test.run();
