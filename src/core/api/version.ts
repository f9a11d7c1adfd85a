// Semantic versions as upstream's webhooks read them: `parseSemver` is github.com/blang/semver/v4's strict
// `Parse` (exactly major.minor.patch, no leading zeroes), `parseSemverTolerant` its `ParseTolerant` (a leading
// `v`, short forms like `1.2`), `parseTolerantImageTag` and `compareVersions` Cluster API's `util/version`.
// Failures carry blang's (and strconv's) error texts word for word, because upstream puts them into denials
// (`failed to parse CoreDNS version: Invalid character(s) found in major number "latest"`).

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers; numeric ones as numbers. */
  pre: (string | number)[];
  build: string[];
}

/** A parsed version, or blang's reason why the text is not one. */
export type SemVerResult = SemVer | { error: string };

const NUMBERS = /^[0-9]*$/;
const ALPHANUM = /^[0-9A-Za-z-]*$/;
const UINT64_MAX = 2n ** 64n - 1n;

const hasLeadingZeroes = (s: string): boolean => s.length > 1 && s.startsWith('0');

/** `strconv.ParseUint(s, 10, 64)` on digits only: the number, or strconv's error text. */
function parseUint(digits: string): number | string {
  if (digits === '') return 'strconv.ParseUint: parsing "": invalid syntax';
  if (BigInt(digits) > UINT64_MAX)
    return `strconv.ParseUint: parsing ${JSON.stringify(digits)}: value out of range`;
  return Number(digits);
}

function parseNumber(part: string, what: 'major' | 'minor' | 'patch'): number | string {
  if (!NUMBERS.test(part)) return `Invalid character(s) found in ${what} number ${JSON.stringify(part)}`;
  if (hasLeadingZeroes(part)) {
    const title = what.charAt(0).toUpperCase() + what.slice(1);
    return `${title} number must not contain leading zeroes ${JSON.stringify(part)}`;
  }
  return parseUint(part);
}

/** blang's strict Parse: the version or the reason it is not one. */
export function parseSemver(s: string): SemVerResult {
  if (s === '') return { error: 'Version string empty' };
  const parts = splitN(s, '.', 3);
  if (parts.length !== 3) return { error: 'No Major.Minor.Patch elements found' };
  const major = parseNumber(parts[0] ?? '', 'major');
  if (typeof major === 'string') return { error: major };
  const minor = parseNumber(parts[1] ?? '', 'minor');
  if (typeof minor === 'string') return { error: minor };
  let patchText = parts[2] ?? '';
  let build: string[] = [];
  let preText: string[] = [];
  const plus = patchText.indexOf('+');
  if (plus >= 0) {
    build = patchText.slice(plus + 1).split('.');
    patchText = patchText.slice(0, plus);
  }
  const dash = patchText.indexOf('-');
  if (dash >= 0) {
    preText = patchText.slice(dash + 1).split('.');
    patchText = patchText.slice(0, dash);
  }
  const patch = parseNumber(patchText, 'patch');
  if (typeof patch === 'string') return { error: patch };
  const pre: (string | number)[] = [];
  for (const id of preText) {
    if (id === '') return { error: 'Prerelease is empty' };
    if (NUMBERS.test(id)) {
      if (hasLeadingZeroes(id)) {
        return { error: `Numeric PreRelease version must not contain leading zeroes ${JSON.stringify(id)}` };
      }
      const n = parseUint(id);
      if (typeof n === 'string') return { error: n };
      pre.push(n);
    } else if (ALPHANUM.test(id)) {
      pre.push(id);
    } else {
      return { error: `Invalid character(s) found in prerelease ${JSON.stringify(id)}` };
    }
  }
  for (const id of build) {
    if (id === '') return { error: 'Build meta data is empty' };
    if (!ALPHANUM.test(id))
      return { error: `Invalid character(s) found in build meta data ${JSON.stringify(id)}` };
  }
  return { major, minor, patch, pre, build };
}

/** blang's ParseTolerant: trims spaces and a leading `v`, drops leading zeroes, pads `1.2` to `1.2.0`. */
export function parseSemverTolerant(input: string): SemVerResult {
  let s = input.trim();
  if (s.startsWith('v')) s = s.slice(1);
  const parts = splitN(s, '.', 3).map((p) => {
    if (p.length <= 1) return p;
    const trimmed = p.replace(/^0+/, '');
    // blang prefixes a part that does not start with a digit with 0, so "latest" fails as "0latest".
    return trimmed === '' || !/^[0-9]/.test(trimmed) ? `0${trimmed}` : trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] ?? '')) {
      return { error: 'Short version cannot contain PreRelease/Build meta data' };
    }
    while (parts.length < 3) parts.push('0');
  }
  return parseSemver(parts.join('.'));
}

/** Cluster API's `version.ParseTolerantImageTag`: image tags say `_` where versions say `+`. */
export const parseTolerantImageTag = (tag: string): SemVerResult =>
  parseSemverTolerant(tag.replaceAll('_', '+'));

/** Go's strings.SplitN: at most `n` parts, the last holding the rest. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

export const isSemverError = (v: SemVerResult): v is { error: string } => 'error' in v;

/** The version without a `v`, as blang's `Version.String()` prints it. */
export function formatSemver(v: SemVer): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.pre.length > 0) s += `-${v.pre.join('.')}`;
  if (v.build.length > 0) s += `+${v.build.join('.')}`;
  return s;
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** blang's Version.Compare: build metadata is ignored, a pre-release sorts before its release. */
function compareStrict(a: SemVer, b: SemVer): -1 | 0 | 1 {
  if (a.major !== b.major) return sign(a.major - b.major);
  if (a.minor !== b.minor) return sign(a.minor - b.minor);
  if (a.patch !== b.patch) return sign(a.patch - b.patch);
  if (a.pre.length === 0 && b.pre.length === 0) return 0;
  if (a.pre.length === 0) return 1;
  if (b.pre.length === 0) return -1;
  for (let i = 0; i < a.pre.length && i < b.pre.length; i++) {
    const x = a.pre[i] as string | number;
    const y = b.pre[i] as string | number;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return sign(x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return sign(a.pre.length - b.pre.length);
}

/**
 * Cluster API's `version.Compare`. With `withBuildTags`, equal versions are ordered by build identifiers
 * (numbers numerically, numbers before words); differing words yield 2, "different but not ordered".
 */
export function compareVersions(
  a: SemVer,
  b: SemVer,
  options: { withoutPreReleases?: boolean; withBuildTags?: boolean } = {},
): -1 | 0 | 1 | 2 {
  const x = options.withoutPreReleases ? { ...a, pre: [] } : a;
  const y = options.withoutPreReleases ? { ...b, pre: [] } : b;
  const c = compareStrict(x, y);
  if (!options.withBuildTags || c !== 0) return c;
  for (let i = 0; i < x.build.length && i < y.build.length; i++) {
    const p = x.build[i] as string;
    const q = y.build[i] as string;
    const pNum = NUMBERS.test(p);
    const qNum = NUMBERS.test(q);
    if (pNum && !qNum) return -1;
    if (!pNum && qNum) return 1;
    if (pNum && qNum) {
      const d = sign(Number(p || '0') - Number(q || '0'));
      if (d !== 0) return d;
    } else if (p !== q) {
      return 2;
    }
  }
  return sign(x.build.length - y.build.length);
}

/** The Kubernetes version rule of upstream's webhooks: a `v` prefix and a valid semantic version after it. */
export function kubernetesVersionErrors(
  version: string,
): ('must start with v' | 'must be a valid semantic version')[] {
  const errors: ('must start with v' | 'must be a valid semantic version')[] = [];
  if (!version.startsWith('v')) errors.push('must start with v');
  if (isSemverError(parseSemver(version.startsWith('v') ? version.slice(1) : version))) {
    errors.push('must be a valid semantic version');
  }
  return errors;
}
