/**
 * When a node should renew its certificate: at a random point between 50 %
 * and 80 % of its life. Random, so a fleet that joined together does not
 * renew together; not before half-life, so renewals stay rare; well before
 * the end, so a manager that is down for days does not strand the node.
 * Pure: the random draw comes from the injected Rng.
 */
import type { Rng } from '../common/rng.js';
import { certificateValidity, type ValidityWindow } from './peer-identity.js';
import { toCertificate, type CertificateInput } from './pem.js';
import { RENEWAL_LIFE_FRACTION_MAX, RENEWAL_LIFE_FRACTION_MIN } from './policy.js';

/** Epoch ms at which to start renewing; always within [50 %, 80 %) of [notBefore, notAfter]. */
export function renewalAtMs(certificate: ValidityWindow | CertificateInput, rng: Rng): number {
  const { notBeforeMs, notAfterMs } = isWindow(certificate) ? certificate : certificateValidity(toCertificate(certificate));
  const lifeMs = Math.max(0, notAfterMs - notBeforeMs);
  const fraction = RENEWAL_LIFE_FRACTION_MIN + (RENEWAL_LIFE_FRACTION_MAX - RENEWAL_LIFE_FRACTION_MIN) * rng.next();
  return notBeforeMs + Math.floor(lifeMs * fraction);
}

function isWindow(value: ValidityWindow | CertificateInput): value is ValidityWindow {
  return typeof value === 'object' && value !== null && 'notBeforeMs' in value && 'notAfterMs' in value;
}
