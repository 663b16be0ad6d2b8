/**
 * Choosing the entry of a multi-arch index that a board can run. Names follow
 * the OCI image spec (GOARCH-style): "linux/arm64", "linux/arm/v7", "linux/amd64".
 */
import { ImageError } from './errors.js';
import type { Descriptor, Platform } from './manifest.js';

export function formatPlatform(platform: Platform): string {
  return platform.variant ? `${platform.os}/${platform.architecture}/${platform.variant}` : `${platform.os}/${platform.architecture}`;
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  const [os, architecture, variant] = parts;
  if (parts.length < 2 || parts.length > 3 || !os || !architecture || (parts.length === 3 && !variant)) {
    throw new ImageError('EDGE_IMAGE_BAD_REFERENCE', `platform "${text}" is invalid; write os/architecture[/variant], e.g. linux/arm64 or linux/arm/v7`);
  }
  return normalizePlatform(variant ? { os, architecture, variant } : { os, architecture });
}

/**
 * Folds spellings that mean the same machine: arm64's only variant is v8, and
 * "aarch64"/"x86_64" are what uname says rather than what images say.
 */
export function normalizePlatform(platform: Platform): Platform {
  let architecture = platform.architecture.toLowerCase();
  let variant = platform.variant?.toLowerCase();
  if (architecture === 'aarch64') architecture = 'arm64';
  if (architecture === 'x86_64' || architecture === 'x86-64') architecture = 'amd64';
  if (architecture === 'armhf') [architecture, variant] = ['arm', 'v7'];
  if (architecture === 'armel') [architecture, variant] = ['arm', 'v6'];
  if (architecture === 'arm64' && (variant === 'v8' || variant === '8')) variant = undefined;
  if (architecture === 'arm' && variant !== undefined && /^[5-8]$/.test(variant)) variant = `v${variant}`;
  if (architecture === 'arm' && variant === undefined) variant = 'v7';
  const os = platform.os.toLowerCase();
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/**
 * The platform this process runs on. Node reports "arm" for both v6 and v7
 * userlands; v7 is the Pi 2 and later on 32-bit OS, the common case (a Pi
 * Zero/1 should pass "linux/arm/v6" explicitly).
 */
export function hostPlatform(arch: string = process.arch): Platform {
  switch (arch) {
    case 'arm64':
      return { os: 'linux', architecture: 'arm64' };
    case 'arm':
      return { os: 'linux', architecture: 'arm', variant: 'v7' };
    case 'x64':
      return { os: 'linux', architecture: 'amd64' };
    default:
      return { os: 'linux', architecture: arch };
  }
}

/**
 * Variants a wanted platform can run, most preferred first: an armv7 board
 * also runs v6 and v5 code, never the reverse.
 */
function acceptableVariants(wanted: Platform): (string | undefined)[] {
  if (wanted.architecture !== 'arm') return [wanted.variant];
  const order = ['v8', 'v7', 'v6', 'v5'];
  const start = order.indexOf(wanted.variant ?? 'v7');
  return start < 0 ? [wanted.variant] : order.slice(start);
}

/**
 * Picks the index entry for `wanted`. Entries without a platform and
 * attestation manifests (platform "unknown/unknown") are never chosen.
 */
export function selectPlatform(entries: readonly Descriptor[], wanted: Platform, what: string): Descriptor {
  const target = normalizePlatform(wanted);
  const candidates = entries.filter((entry) => entry.platform !== undefined && entry.platform.os !== 'unknown');
  for (const variant of acceptableVariants(target)) {
    const match = candidates.find((entry) => {
      const platform = normalizePlatform(entry.platform!);
      return platform.os === target.os && platform.architecture === target.architecture && platform.variant === variant;
    });
    if (match !== undefined) return match;
  }
  const available = candidates.map((entry) => formatPlatform(normalizePlatform(entry.platform!)));
  throw new ImageError(
    'EDGE_IMAGE_PLATFORM_NOT_FOUND',
    `${what} has no image for ${formatPlatform(target)}; available: ${available.length > 0 ? available.join(', ') : 'none'}. Build and push an image for this platform, or pass one of those`,
  );
}

/** True when an image config's platform can run on `wanted` (for single-platform manifests). */
export function platformRuns(image: Platform, wanted: Platform): boolean {
  const have = normalizePlatform(image);
  const target = normalizePlatform(wanted);
  return have.os === target.os && have.architecture === target.architecture && acceptableVariants(target).includes(have.variant);
}
