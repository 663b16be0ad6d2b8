/**
 * The one door to @peculiar/x509, which builds CSRs and certificates. Only
 * the code that creates them calls loadX509Library(); verification uses
 * node:crypto alone. A worker therefore never pays the library's load time
 * (~150 ms and several MiB here, more on a Pi) unless it renews its own
 * certificate. Keep this import dynamic: a static import anywhere in the
 * verify path would undo that (test/pki/lazy-load.test.ts checks it).
 */
import { nodeCrypto } from '../common/builtin.js';

export type X509Library = typeof import('@peculiar/x509');

let loading: Promise<X509Library> | undefined;

export function loadX509Library(): Promise<X509Library> {
  loading ??= load();
  return loading;
}

async function load(): Promise<X509Library> {
  installReflectMetadataShim();
  const library = await import('@peculiar/x509');
  // Node's own WebCrypto: native ECDSA, no polyfill.
  library.cryptoProvider.set(nodeCrypto().webcrypto);
  return library;
}

/**
 * @peculiar/x509 resolves its algorithms through tsyringe, which refuses to
 * load unless a Reflect metadata API exists. It only stores and reads
 * constructor parameter tokens, so three functions over a WeakMap are enough;
 * this avoids another dependency (reflect-metadata). If a real polyfill is
 * already installed it is left alone.
 */
function installReflectMetadataShim(): void {
  type MetadataReflect = typeof Reflect & {
    getMetadata?: (key: unknown, target: object) => unknown;
    getOwnMetadata?: (key: unknown, target: object) => unknown;
    defineMetadata?: (key: unknown, value: unknown, target: object) => void;
  };
  const reflect = Reflect as MetadataReflect;
  if (typeof reflect.getMetadata === 'function') return;
  const metadata = new WeakMap<object, Map<unknown, unknown>>();
  reflect.getOwnMetadata = (key, target) => metadata.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let current: object | null = target; current !== null; current = Object.getPrototypeOf(current) as object | null) {
      const value = metadata.get(current)?.get(key);
      if (value !== undefined) return value;
    }
    return undefined;
  };
  reflect.defineMetadata = (key, value, target) => {
    let entries = metadata.get(target);
    if (entries === undefined) {
      entries = new Map();
      metadata.set(target, entries);
    }
    entries.set(key, value);
  };
}
