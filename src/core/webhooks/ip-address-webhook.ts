import { isNotFound } from '../../controller-runtime/client/errors.js';
import { denyForbidden } from '../../controller-runtime/webhook/field-errors.js';
import { jsonDiff } from '../../controller-runtime/webhook/json-diff.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { goQuote } from '../../lib/go-quote.js';
import {
  API_VERSION,
  GROUP,
  type IPAddress,
  type IPAddressClaim,
  type IPPoolReference,
} from '../api/ipam/v1beta2/index.js';
import { loose, type Loose } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `IPAddress.${GROUP}`;

/**
 * The IP family of `text` as Go's `netip.ParseAddr` reads it, or undefined where that refuses it: IPv4 in
 * dotted decimal (four fields, no leading zeros), IPv6 with at most one `::`, an optional embedded IPv4 tail
 * and an optional `%zone`. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is IPv6, as `Addr.Is6` says.
 */
export function ipFamily(text: string): 4 | 6 | undefined {
  for (const ch of text) {
    if (ch === '.') return isIPv4(text) ? 4 : undefined;
    if (ch === ':') return isIPv6(text) ? 6 : undefined;
    if (ch === '%') return undefined; // a zone without an address
  }
  return undefined;
}

const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isHexDigit = (ch: string | undefined): boolean =>
  isDigit(ch) || (ch !== undefined && ((ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')));

function isIPv4(text: string): boolean {
  let fields = 1;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (isDigit(ch)) {
      if (digits === 1 && value === 0) return false; // leading zero
      value = value * 10 + Number(ch);
      digits++;
      if (value > 255) return false;
    } else if (ch === '.') {
      if (digits === 0 || i === text.length - 1 || fields === 4) return false;
      fields++;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  return fields === 4;
}

function isIPv6(text: string): boolean {
  let rest = text;
  const zone = rest.indexOf('%');
  if (zone >= 0) {
    if (zone === rest.length - 1) return false; // the zone must not be empty
    rest = rest.slice(0, zone);
  }
  /** Byte offset (of 16) where `::` stands, or -1. */
  let ellipsis = -1;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest === '') return true;
  }
  let bytes = 0;
  while (bytes < 16) {
    let digits = 0;
    while (isHexDigit(rest[digits])) {
      digits++;
      if (digits > 4) return false;
    }
    if (digits === 0) return false;
    if (rest[digits] === '.') {
      // An IPv4 tail fills the last four bytes.
      if ((ellipsis < 0 && bytes !== 12) || bytes + 4 > 16 || !isIPv4(rest)) return false;
      rest = '';
      bytes += 4;
      break;
    }
    bytes += 2;
    rest = rest.slice(digits);
    if (rest === '') break;
    if (rest[0] !== ':' || rest.length === 1) return false;
    rest = rest.slice(1);
    if (rest[0] === ':') {
      if (ellipsis >= 0) return false; // a second `::`
      ellipsis = bytes;
      rest = rest.slice(1);
      if (rest === '') break;
    }
  }
  if (rest !== '') return false;
  // Too few groups need a `::` to fill them; a full address leaves `::` nothing to stand for.
  return bytes < 16 ? ellipsis >= 0 : ellipsis < 0;
}

/** apimachinery's `ErrorList.ToAggregate().Error()`: one message as is, several as `[a, b]`, repeats dropped. */
function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? (unique[0] ?? '') : `[${unique.join(', ')}]`;
}

/** How Go's `%#v` prints an IPPoolReference in a field error (fields in the Go struct's order). */
function poolRefValue(ref: Loose<IPPoolReference> | undefined): string {
  return (
    `v1beta2.IPPoolReference{Name:${goQuote(ref?.name ?? '')}, Kind:${goQuote(ref?.kind ?? '')}, ` +
    `APIGroup:${goQuote(ref?.apiGroup ?? '')}}`
  );
}

async function validateCreate(ip: Loose<IPAddress>, context: WebhookContext): Promise<void> {
  const errs: string[] = [];
  const spec = ip.spec ?? {};
  const address = spec.address ?? '';
  const family = ipFamily(address);
  if (family === undefined)
    errs.push(`spec.address: Invalid value: ${goQuote(address)}: not a valid IP address`);
  const prefix = typeof spec.prefix === 'number' ? spec.prefix : 0;
  if (prefix < 0) errs.push(`spec.prefix: Invalid value: ${prefix}: prefix cannot be negative`);
  if (family === 4 && prefix > 32)
    errs.push(`spec.prefix: Invalid value: ${prefix}: prefix is too large for an IPv4 address`);
  if (family === 6 && prefix > 128)
    errs.push(`spec.prefix: Invalid value: ${prefix}: prefix is too large for an IPv6 address`);
  const gateway = spec.gateway ?? '';
  if (gateway !== '' && ipFamily(gateway) === undefined)
    errs.push(`spec.gateway: Invalid value: ${goQuote(gateway)}: not a valid IP address`);

  // The pool must be the one of the claim the address fulfils; a claim that does not exist (yet) is no error.
  const claimName = spec.claimRef?.name ?? '';
  let claim: Loose<IPAddressClaim> | undefined;
  if (context.reader && claimName !== '') {
    try {
      claim = loose<IPAddressClaim>(
        await context.reader.get(
          { apiVersion: API_VERSION, kind: 'IPAddressClaim' },
          { namespace: ip.metadata?.namespace, name: claimName },
        ),
      );
    } catch (err) {
      if (!isNotFound(err)) {
        const message = err instanceof Error ? err.message : String(err);
        errs.push(`spec.claimRef: Internal error: failed to fetch claim: ${message}`);
      }
    }
  }
  if (claim) {
    const want = claim.spec?.poolRef;
    const got = spec.poolRef;
    if (
      (got?.apiGroup ?? '') !== (want?.apiGroup ?? '') ||
      (got?.kind ?? '') !== (want?.kind ?? '') ||
      (got?.name ?? '') !== (want?.name ?? '')
    ) {
      errs.push(
        `spec.poolRef: Invalid value: ${poolRefValue(got)}: the referenced pool is different from the pool ` +
          'referenced by the claim this address should fulfill',
      );
    }
  }
  // Upstream returns a bare error list, which controller-runtime answers with a 403 carrying its text.
  if (errs.length) denyForbidden(GROUP_KIND, ip.metadata?.name ?? '', aggregate(errs));
}

/**
 * IPAddress (validation only): on create a parsable address and gateway, a prefix that fits the address
 * family and, when the claim exists (read through `reader`), the claim's pool; on update an unchanged spec.
 * Denials are 403s worded as upstream's, which returns plain field errors rather than API statuses.
 */
export function ipAddressWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'IPAddress' },
    resource: 'ipaddresses',
    validator: {
      validateCreate: (obj) => validateCreate(loose<IPAddress>(obj), context),
      validateUpdate(oldObj, newObj) {
        const diff = jsonDiff(loose<IPAddress>(oldObj).spec, loose<IPAddress>(newObj).spec);
        if (diff === '') return;
        denyForbidden(
          GROUP_KIND,
          newObj.metadata.name ?? '',
          `spec: Forbidden: IPAddress spec is immutable. Diff: ${diff}`,
        );
      },
    },
  };
}
