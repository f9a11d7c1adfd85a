// The random part of generated object names (Machines, MachineSets, control plane Machines), as apimachinery's
// `utilrand.String` makes it.
import { randomInt } from 'node:crypto';

/** apimachinery's `utilrand` alphabet: no vowels (no words), no look-alikes (0/o, 1/l). */
export const RANDOM_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Upstream's suffix length for generated names. */
export const RANDOM_LENGTH = 5;

/** `n` characters of the random alphabet (five unless told), like `utilrand.String(n)`. */
export const randomString = (n = RANDOM_LENGTH, random: (max: number) => number = randomInt): string =>
  Array.from({ length: n }, () => RANDOM_ALPHABET[random(RANDOM_ALPHABET.length)]).join('');
