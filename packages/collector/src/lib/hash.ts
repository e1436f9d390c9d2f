import { createHash } from 'node:crypto';

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
