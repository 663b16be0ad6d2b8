/**
 * Image references are checked with the image store's own parser, so a spec
 * the manager accepts names an image the boards can pull.
 */
import { isImageError, parseReference } from '../containers/image/index.js';
import { SpecError } from './errors.js';
import { imageReferenceCharsMax } from './limits.js';

/** Returns the reference as written (the store keeps what the person typed); throws SpecError when it cannot be pulled. */
export function checkImageReference(text: string): string {
  if (text.length > imageReferenceCharsMax) throw new SpecError('EDGE_SPEC_BAD_IMAGE', `the image reference is longer than ${imageReferenceCharsMax} characters`);
  try {
    parseReference(text);
  } catch (error) {
    if (isImageError(error)) throw new SpecError('EDGE_SPEC_BAD_IMAGE', error.message);
    throw error;
  }
  return text;
}
