// Object names as label values (`cluster.x-k8s.io/set-name`, `cluster.x-k8s.io/control-plane-name`), as
// upstream's `format.MustFormatValue` writes them.
import { isLabelValue } from '../../controller-runtime/webhook/validation.js';

/** 32-bit FNV-1a, the hash upstream uses to shorten label values. */
function fnv32a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const b of bytes) {
    hash ^= b;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * A label value naming an object: the name itself when it is a valid label value, otherwise a stable hash
 * (`hash_<base64url>_z`), since object names may be longer than the 63 characters a label value may hold.
 */
export function formatLabelValue(value: string): string {
  if (isLabelValue(value).length === 0) return value;
  const hash = fnv32a(Buffer.from(value, 'utf8'));
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(hash);
  return `hash_${bytes.toString('base64url')}_z`;
}
