import { createHash, timingSafeEqual } from 'node:crypto';

/** A short, URL-safe digest: 12 characters = 72 bits, ample for ids within one session or day. */
export function shortHash(text: string, length = 12): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length);
}

/** FNV-1a, 32 bits: a cheap, stable spread for shard numbers and key sequences. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Equal digests, compared in constant time (a length mismatch is simply unequal). */
export const sameDigest = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Whether two secrets are equal, in time that tells nothing of either: their digests are compared. */
export const sameSecret = (a: string, b: string): boolean => sameDigest(sha256(a), sha256(b));
