import {
  denyForbidden,
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { goQuote } from '../../lib/go-quote.js';
import {
  API_VERSION,
  DefaultExtensionServicePort,
  type ExtensionConfig,
  GROUP,
} from '../api/runtime/v1beta2/index.js';
import { isSelectorError, labelSelectorAsSelector, selectorForDisplay } from './util/label-selector.js';
import { isDefined, loose, type Loose } from './util/object.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `ExtensionConfig.${GROUP}`;

// ---------------------------------------------------------------------------------------------------------
// Go strings are bytes. The URL and address parsers below work on "byte strings": the UTF-8 of a value with
// one char per byte, so that every index and slice falls where Go's does, also inside multi-byte characters.

const toBytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function utf8SequenceLength(bytes: string, i: number): number {
  const lead = bytes.charCodeAt(i);
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes.charCodeAt(i + j);
    return b >= lo && b <= hi;
  };
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [lo, hi] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [lo, hi] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** strconv.Quote of a byte string: valid UTF-8 as `goQuote` prints it, any other byte as `\xNN`. */
function quoteBytes(bytes: string): string {
  let out = '"';
  for (let i = 0; i < bytes.length;) {
    const n = utf8SequenceLength(bytes, i);
    if (n === 0) {
      out += `\\x${bytes.charCodeAt(i).toString(16).padStart(2, '0')}`;
      i++;
      continue;
    }
    out += goQuote(Buffer.from(bytes.slice(i, i + n), 'latin1').toString('utf8')).slice(1, -1);
    i += n;
  }
  return `${out}"`;
}

/** An error of Go's net/url or net/netip, its text as Go's `Error()` prints it. */
class GoParseError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// netip.ParseAddr (Go 1.26), for the IP literals in brackets that net/url checks with it.

function addrError(input: string, msg: string, at = ''): GoParseError {
  const where = at === '' ? '' : ` (at ${quoteBytes(at)})`;
  return new GoParseError(`ParseAddr(${quoteBytes(input)}): ${msg}${where}`);
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const hexValue = (c: number): number =>
  isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

/** The four dotted-decimal fields of `input[off:end]`; errors name the whole `input`, as Go's do. */
function parseIPv4Fields(input: string, off: number, end: number): void {
  const s = input.slice(off, end);
  let value = 0;
  let dots = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      if (digits === 1 && value === 0) throw addrError(input, 'IPv4 field has octet with leading zero');
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) throw addrError(input, 'IPv4 field has value >255');
    } else if (s[i] === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') {
        throw addrError(input, 'IPv4 field must have at least one digit', s.slice(i));
      }
      if (dots === 3) throw addrError(input, 'IPv4 address too long');
      dots++;
      value = 0;
      digits = 0;
    } else {
      throw addrError(input, 'unexpected character', s.slice(i));
    }
  }
  if (dots < 3) throw addrError(input, 'IPv4 address too short');
}

function parseIPv6(input: string): void {
  let s = input;
  let zone = '';
  const percent = s.indexOf('%');
  if (percent >= 0) {
    zone = s.slice(percent + 1);
    s = s.slice(0, percent);
    if (zone === '') throw addrError(input, 'zone must be a non-empty string');
  }
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const v = hexValue(s.charCodeAt(off));
      if (v < 0) break;
      acc = acc * 16 + v;
      if (off > 3) throw addrError(input, 'each group must have 4 or less digits', s);
      if (acc > 0xffff) throw addrError(input, 'IPv6 field has value >=2^16', s);
    }
    if (off === 0) throw addrError(input, 'each colon-separated field must have at least one digit', s);
    if (s[off] === '.') {
      if (ellipsis < 0 && i !== 12) {
        throw addrError(input, 'embedded IPv4 address must replace the final 2 fields of the address', s);
      }
      if (i + 4 > 16) {
        throw addrError(input, 'too many hex fields to fit an embedded IPv4 at the end of the address', s);
      }
      const end = input.length - (zone === '' ? 0 : zone.length + 1);
      parseIPv4Fields(input, end - s.length, end);
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s === '') break;
    if (s[0] !== ':') throw addrError(input, 'unexpected character, want colon', s);
    if (s.length === 1) throw addrError(input, 'colon must be followed by more characters', s);
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) throw addrError(input, 'multiple :: in address', s);
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') throw addrError(input, 'trailing garbage after address', s);
  if (i < 16 && ellipsis < 0) throw addrError(input, 'address string too short');
  if (i >= 16 && ellipsis >= 0) throw addrError(input, 'the :: must expand to at least one field of zeros');
}

/** netip.ParseAddr over a byte string: 4 or 6, or throws Go's error. */
function parseAddr(s: string): 4 | 6 {
  for (const ch of s) {
    if (ch === '.') {
      parseIPv4Fields(s, 0, s.length);
      return 4;
    }
    if (ch === ':') {
      parseIPv6(s);
      return 6;
    }
    if (ch === '%') throw addrError(s, 'missing IPv6 address');
  }
  throw addrError(s, 'unable to parse IP');
}

// ---------------------------------------------------------------------------------------------------------
// net/url.ParseRequestURI (Go 1.26, whose default `urlstrictcolons=1` refuses a second colon in http(s) hosts).

type Encoding = 'path' | 'host' | 'zone' | 'userPassword';

const isAlphanumeric = (c: number): boolean =>
  isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** net/url's shouldEscape, for the encodings parsing unescapes. */
function shouldEscape(c: number, mode: Encoding): boolean {
  if (isAlphanumeric(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    if (mode === 'path') return ch === '?';
    if (mode === 'userPassword') return '@/?:'.includes(ch);
  }
  return true;
}

const escapeError = (s: string): GoParseError => new GoParseError(`invalid URL escape ${quoteBytes(s)}`);

/** net/url's unescape: the decoded bytes, or its EscapeError / InvalidHostError. */
function unescape(s: string, mode: Encoding): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (s[i] === '%') {
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (i + 2 >= s.length || hi < 0 || lo < 0) throw escapeError(s.slice(i, i + 3));
      const three = s.slice(i, i + 3);
      // A host may %-encode only non-ASCII bytes, and %25 (the zone's percent sign).
      if (mode === 'host' && hi < 8 && three !== '%25') throw escapeError(three);
      const value = hi * 16 + lo;
      if (mode === 'zone' && three !== '%25' && value !== 0x20 && shouldEscape(value, 'host')) {
        throw escapeError(three);
      }
      out += String.fromCharCode(value);
      i += 3;
      continue;
    }
    if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) {
      throw new GoParseError(`invalid character ${quoteBytes(s[i] ?? '')} in host name`);
    }
    out += s[i];
    i++;
  }
  return out;
}

/** `""` or `:` followed by digits only. */
const validOptionalPort = (port: string): boolean => port === '' || /^:[0-9]*$/.test(port);

const invalidPort = (colonPort: string): GoParseError =>
  new GoParseError(`invalid port ${quoteBytes(colonPort)} after host`);

function parseHost(scheme: string, host: string): void {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new GoParseError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new GoParseError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw invalidPort(colonPort);
    unescape(colonPort, 'host');
    const hostname = host.slice(1, close);
    const zone = hostname.indexOf('%25');
    const address =
      zone >= 0
        ? unescape(hostname.slice(0, zone), 'host') + unescape(hostname.slice(zone), 'zone')
        : unescape(hostname, 'host');
    let family: 4 | 6;
    try {
      family = parseAddr(address);
    } catch (err) {
      if (err instanceof GoParseError) throw new GoParseError(`invalid host: ${err.message}`);
      throw err;
    }
    // Only IPv6 literals go in brackets.
    if (family === 4) throw new GoParseError('invalid IP-literal');
    return;
  }
  let colon = host.indexOf(':');
  if (colon >= 0) {
    // The first colon starts the port of an http(s) URL; other schemes keep allowing colons in the host.
    if (scheme !== 'http' && scheme !== 'https') colon = host.lastIndexOf(':');
    const colonPort = host.slice(colon);
    if (!validOptionalPort(colonPort)) throw invalidPort(colonPort);
  }
  unescape(host, 'host');
}

/** Only the RFC 3986 userinfo characters (and `@`, which Go tolerates) may precede the host. */
const validUserinfo = (s: string): boolean => /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);

function parseAuthority(scheme: string, authority: string): void {
  const at = authority.lastIndexOf('@');
  parseHost(scheme, at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return;
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) throw new GoParseError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) {
    unescape(userinfo, 'userPassword');
  } else {
    unescape(userinfo.slice(0, colon), 'userPassword');
    unescape(userinfo.slice(colon + 1), 'userPassword');
  }
}

/** getScheme: the scheme and the rest, or none when the text does not start with one. */
function splitScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) continue;
    if (isDigit(c) || raw[i] === '+' || raw[i] === '-' || raw[i] === '.') {
      if (i === 0) return ['', raw];
      continue;
    }
    if (raw[i] === ':') {
      if (i === 0) throw new GoParseError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

/** Go's `parse(rawURL, viaRequest=true)` over a byte string: the (lower-cased) scheme, or throws. */
function parseAsRequest(raw: string): string {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw new GoParseError('net/url: invalid control character in URL');
  }
  if (raw === '') throw new GoParseError('empty url');
  if (raw === '*') return '';
  const [rawScheme, afterScheme] = splitScheme(raw);
  const scheme = rawScheme.toLowerCase();
  let rest = afterScheme;
  const question = rest.indexOf('?');
  if (question >= 0) rest = rest.slice(0, question);
  if (!rest.startsWith('/')) {
    // A scheme followed by something else than a slash is an opaque URL (`https:example.com`).
    if (scheme !== '') return scheme;
    throw new GoParseError('invalid URI for request');
  }
  if (scheme !== '' && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    parseAuthority(scheme, authority);
  }
  unescape(rest, 'path');
  return scheme;
}

/**
 * Go's `url.ParseRequestURI`: an absolute URI or an absolute path (no fragment is cut off). Returns the
 * URL's scheme, lower-cased as Go's `URL.Scheme`, or the error text Go prints (`parse "<url>": <reason>`).
 */
export function parseRequestURI(raw: string): { scheme: string } | { error: string } {
  try {
    return { scheme: parseAsRequest(toBytes(raw)) };
  } catch (err) {
    if (err instanceof GoParseError) return { error: `parse ${goQuote(raw)}: ${err.message}` };
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------
// apimachinery's validators (k8s.io/apimachinery/pkg/util/validation), with their messages.

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*$`);
const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
const DNS1035_LABEL_RE = new RegExp(`^${DNS1035_LABEL_FMT}$`);

const regexError = (msg: string, fmt: string, ...examples: string[]): string =>
  `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;

const tooLong = (value: string): string[] =>
  Buffer.byteLength(value, 'utf8') > 63 ? ['must be no more than 63 characters'] : [];

/** validation.IsDNS1123Label. */
export function isDNS1123Label(value: string): string[] {
  const errs = tooLong(value);
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      DNS1123_SUBDOMAIN_RE.test(value)
        ? 'must not contain dots'
        : regexError(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must " +
              'start and end with an alphanumeric character',
            DNS1123_LABEL_FMT,
            'my-name',
            '123-abc',
          ),
    );
  }
  return errs;
}

/** validation.IsDNS1035Label (Service names). */
export function isDNS1035Label(value: string): string[] {
  const errs = tooLong(value);
  if (!DNS1035_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
          'character, and end with an alphanumeric character',
        DNS1035_LABEL_FMT,
        'my-name',
        'abc-123',
      ),
    );
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------------------
// The webhook

/** A FieldValueInvalid on a string, the value quoted as Go's `%q` quotes it. */
const invalidString = (field: FieldPath, value: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field: field.toString(),
  detail: `Invalid value: ${goQuote(value)}: ${detail}`,
});

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function validateSpec(ext: Loose<ExtensionConfig>): FieldError[] {
  const errs: FieldError[] = [];
  const spec = FieldPath.of('spec');
  const clientConfigPath = spec.child('clientConfig');
  const clientConfig = ext.spec?.clientConfig;
  const url = text(clientConfig?.url);
  const service = clientConfig?.service;
  const hasService = isDefined(service);

  if (url === '' && !hasService) {
    errs.push(fieldError.required(clientConfigPath.toString(), 'either url or service must be defined'));
  }
  if (url !== '' && hasService) {
    errs.push(fieldError.forbidden(clientConfigPath.toString(), 'only one of url or service can be defined'));
  }

  if (url !== '') {
    const urlPath = clientConfigPath.child('url');
    const parsed = parseRequestURI(url);
    if ('error' in parsed) {
      errs.push(
        invalidString(urlPath, url, `must be a valid URL, e.g. https://example.com: ${parsed.error}`),
      );
    } else if (parsed.scheme !== 'https') {
      errs.push(
        invalidString(urlPath, url, "'https' is the only allowed URL scheme, e.g. https://example.com"),
      );
    }
  }

  if (hasService) {
    const servicePath = clientConfigPath.child('service');
    const name = text(service?.name);
    if (name === '')
      errs.push(fieldError.required(servicePath.child('name').toString(), 'must not be empty'));
    for (const msg of isDNS1035Label(name)) errs.push(invalidString(servicePath.child('name'), name, msg));

    const namespace = text(service?.namespace);
    if (namespace === '') {
      errs.push(fieldError.required(servicePath.child('namespace').toString(), 'must not be empty'));
    }
    for (const msg of isDNS1123Label(namespace)) {
      errs.push(invalidString(servicePath.child('namespace'), namespace, msg));
    }

    const path = text(service?.path);
    if (path !== '') {
      const parsed = parseRequestURI(path);
      if ('error' in parsed) {
        errs.push(
          invalidString(
            servicePath.child('path'),
            path,
            `must be a valid URL path e.g. /path/to/hook: ${parsed.error}`,
          ),
        );
      }
      if (!path.startsWith('/')) {
        errs.push(
          invalidString(servicePath.child('path'), path, 'must start with "/" to be a valid URL path'),
        );
      }
    }

    const port = service?.port;
    if (typeof port === 'number' && (port < 1 || port > 65535)) {
      errs.push(
        fieldError.invalid(
          servicePath.child('port').toString(),
          port,
          'must be between 1 and 65535, inclusive',
        ),
      );
    }
  }

  const selectorPath = spec.child('namespaceSelector').toString();
  const selector = ext.spec?.namespaceSelector;
  if (selector == null) {
    errs.push(fieldError.required(selectorPath, 'must be defined'));
  } else {
    const parsed = labelSelectorAsSelector(selector);
    if (isSelectorError(parsed)) {
      errs.push(fieldError.invalid(selectorPath, selectorForDisplay(selector), parsed.error));
    }
  }
  return errs;
}

function validate(ext: Loose<ExtensionConfig>, context: WebhookContext): void {
  const name = text(ext.metadata?.name);
  // Without a Runtime SDK there is nothing to call extensions, so none may be registered (a plain 403, as
  // upstream returns a bare field error).
  if (!context.gates.RuntimeSDK) {
    denyForbidden(
      GROUP_KIND,
      name,
      'spec: Forbidden: can be set only if the RuntimeSDK feature flag is enabled',
    );
  }
  const errs: FieldError[] = [];
  const nameErrs = isDNS1123Label(name);
  if (nameErrs.length > 0) {
    errs.push(
      invalidString(
        FieldPath.of('metadata', 'name'),
        name,
        `ExtensionConfig name should be a valid DNS1123 label name: [${nameErrs.join(' ')}]`,
      ),
    );
  }
  errs.push(...validateSpec(ext));
  denyIfInvalid(GROUP_KIND, name, errs);
}

/**
 * ExtensionConfig: with the RuntimeSDK feature gate off (the default) every create and update is refused, as
 * there is no Runtime SDK to call the extension. With it on: an empty namespace selector and Service port 443
 * by default; exactly one of url (https) or service (valid name, namespace, path and port); a valid selector;
 * a name that is a DNS label. Updates are checked as creates; deletes always pass.
 */
export function extensionConfigWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'ExtensionConfig' },
    resource: 'extensionconfigs',
    defaulter: {
      // Upstream defaults whatever the gate says; the validation that follows refuses when it is off.
      default(obj) {
        const ext = loose<ExtensionConfig>(obj);
        ext.spec ??= {};
        ext.spec.namespaceSelector ??= {};
        const service = ext.spec.clientConfig?.service;
        if (service && isDefined(service) && service.port == null) service.port = DefaultExtensionServicePort;
      },
    },
    validator: {
      validateCreate: (obj) => validate(loose<ExtensionConfig>(obj), context),
      validateUpdate: (_oldObj, newObj) => validate(loose<ExtensionConfig>(newObj), context),
    },
  };
}
