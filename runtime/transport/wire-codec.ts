// The link codec backed by a wire vocabulary: every frame a link reads is
// checked against its schema (and a request or response body against its
// method's) before the link or any handler sees it.
import { wireVocabulary, type WireLimits } from '../wire/index.js';
import type { LinkCodec, LinkFrame } from './frames.js';

/** The part of a wire Vocabulary a codec needs (tests build their own vocabularies). */
export interface FrameVocabulary {
  encode(message: never, options?: { limits?: WireLimits }): Uint8Array;
  decode(bytes: Uint8Array, options?: { limits?: WireLimits; methodOf?: (id: number) => string | undefined }): unknown;
}

export function wireCodec(options: { vocabulary?: FrameVocabulary; limits?: WireLimits } = {}): LinkCodec {
  const vocabulary = (options.vocabulary ?? wireVocabulary) as FrameVocabulary;
  const limits = options.limits ? { limits: options.limits } : {};
  return {
    encode(frame: LinkFrame): Uint8Array {
      return vocabulary.encode(frame as never, limits);
    },
    decode(bytes: Uint8Array, methodOfResponse: (id: number) => string | undefined): LinkFrame {
      return vocabulary.decode(bytes, { ...limits, methodOf: methodOfResponse }) as LinkFrame;
    },
  };
}
