import { randomBytes } from 'node:crypto';

// The alphabet kube-apiserver uses for generateName suffixes (no vowels, no confusable characters).
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** `<prefix><5 random characters>`, trimmed so the name stays within 253 (or 63) characters. */
export function generateName(prefix: string, maxLength = 253): string {
  const bytes = randomBytes(5);
  let suffix = '';
  for (const b of bytes) suffix += ALPHABET[b % ALPHABET.length];
  return prefix.slice(0, maxLength - suffix.length) + suffix;
}
