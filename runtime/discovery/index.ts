/**
 * mDNS discovery of edgectl nodes (`_edgectl._tcp.local`). See README.md for
 * the records, timing, interface choice and failure handling. Talks to no
 * other runtime module: the daemon wires it to pki (verification) and
 * transport (connecting to what was found).
 */
export { createAdvertiser, type Advertiser, type AdvertiserOptions, type AdvertiserStats } from './advertiser.js';
export { createBrowser, type Browser, type BrowserEvent, type BrowserOptions, type BrowserStats } from './browser.js';
export type { ChannelState } from './channel.js';
export { lanDefaults, resolveConfig, type DiscoveryConfig } from './config.js';
export { DISCOVERY_ERROR_CODES, DiscoveryError, isDiscoveryError, type DiscoveryErrorCode } from './errors.js';
export { findManagers, type FindManagersOptions } from './find-managers.js';
export { SERVICE_TYPE } from './names.js';
export type { DiscoveredPeer } from './peer-cache.js';
export { caPrefixMatches, caPrefixOf, CA_PREFIX_HEX_CHARS_DEFAULT, type PeerRole, type PeerTxt } from './txt.js';
