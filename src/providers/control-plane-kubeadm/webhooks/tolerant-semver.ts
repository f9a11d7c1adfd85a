/**
 * Semantic versions as Go's `github.com/blang/semver/v4` parses them, with its error texts: upstream's KCP
 * webhook puts those texts into its denials (`failed to parse CoreDNS version: Invalid character(s) found in
 * major number "latest"`), and its strictness differs from npm's semver (no `v` or `=` prefix in `parse`).
 */
export interface SemanticVersion {
  major: number;
  minor: number;
  patch: number;
  pre: string[];
  build: string[];
}

const NUMBERS = '0123456789';
const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-' + NUMBERS;
const UINT64_MAX = 2n ** 64n - 1n;

const containsOnly = (s: string, set: string): boolean => [...s].every((c) => set.includes(c));
const hasLeadingZeroes = (s: string): boolean => s.length > 1 && s.startsWith('0');
/** Go's `%q` for the plain ASCII strings versions are made of. */
const quote = (s: string): string => JSON.stringify(s);

/** `strconv.ParseUint(s, 10, 64)`, with its errors. */
function parseUint(s: string): number {
  if (s === '' || !containsOnly(s, NUMBERS))
    throw new Error(`strconv.ParseUint: parsing ${quote(s)}: invalid syntax`);
  if (BigInt(s) > UINT64_MAX) throw new Error(`strconv.ParseUint: parsing ${quote(s)}: value out of range`);
  return Number(s);
}

function versionNumber(part: string, name: 'major' | 'minor' | 'patch'): number {
  if (!containsOnly(part, NUMBERS))
    throw new Error(`Invalid character(s) found in ${name} number ${quote(part)}`);
  if (hasLeadingZeroes(part)) {
    const label = name[0]?.toUpperCase() + name.slice(1);
    throw new Error(`${label} number must not contain leading zeroes ${quote(part)}`);
  }
  return parseUint(part);
}

/** blang's `semver.Parse`: strict `MAJOR.MINOR.PATCH[-pre][+build]`. Throws with blang's message. */
export function parseSemver(s: string): SemanticVersion {
  if (s.length === 0) throw new Error('Version string empty');
  const parts = splitN(s, '.', 3);
  if (parts.length !== 3) throw new Error('No Major.Minor.Patch elements found');
  const major = versionNumber(parts[0] ?? '', 'major');
  const minor = versionNumber(parts[1] ?? '', 'minor');

  let patchStr = parts[2] ?? '';
  let build: string[] = [];
  let pre: string[] = [];
  const buildIndex = patchStr.indexOf('+');
  if (buildIndex !== -1) {
    build = patchStr.slice(buildIndex + 1).split('.');
    patchStr = patchStr.slice(0, buildIndex);
  }
  const preIndex = patchStr.indexOf('-');
  if (preIndex !== -1) {
    pre = patchStr.slice(preIndex + 1).split('.');
    patchStr = patchStr.slice(0, preIndex);
  }
  const patch = versionNumber(patchStr, 'patch');

  for (const p of pre) {
    if (p.length === 0) throw new Error('Prerelease is empty');
    if (containsOnly(p, NUMBERS)) {
      if (hasLeadingZeroes(p))
        throw new Error(`Numeric PreRelease version must not contain leading zeroes ${quote(p)}`);
      parseUint(p);
    } else if (!containsOnly(p, ALPHANUM)) {
      throw new Error(`Invalid character(s) found in prerelease ${quote(p)}`);
    }
  }
  for (const b of build) {
    if (b.length === 0) throw new Error('Build meta data is empty');
    if (!containsOnly(b, ALPHANUM))
      throw new Error(`Invalid character(s) found in build meta data ${quote(b)}`);
  }
  return { major, minor, patch, pre, build };
}

/**
 * blang's `semver.ParseTolerant`: trims spaces and a `v` prefix, drops leading zeroes and fills in a missing
 * minor or patch before parsing strictly.
 */
export function parseTolerantSemver(input: string): SemanticVersion {
  let s = input.trim();
  if (s.startsWith('v')) s = s.slice(1);
  const parts = splitN(s, '.', 3).map((p) => {
    if (p.length <= 1) return p;
    const trimmed = p.replace(/^0+/, '');
    return trimmed.length === 0 || !NUMBERS.includes(trimmed[0] ?? '') ? `0${trimmed}` : trimmed;
  });
  if (parts.length < 3) {
    if (/[+-]/.test(parts[parts.length - 1] ?? '')) {
      throw new Error('Short version cannot contain PreRelease/Build meta data');
    }
    while (parts.length < 3) parts.push('0');
  }
  return parseSemver(parts.join('.'));
}

/** `Version.String()`: what Go prints for `%v` of a version. */
export function formatSemver(v: SemanticVersion): string {
  let s = `${v.major}.${v.minor}.${v.patch}`;
  if (v.pre.length > 0) s += `-${v.pre.join('.')}`;
  if (v.build.length > 0) s += `+${v.build.join('.')}`;
  return s;
}

/** Upstream's `version.Compare(a, b, WithoutPreReleases())`: -1, 0 or 1 by major, minor and patch alone. */
export function compareWithoutPreReleases(a: SemanticVersion, b: SemanticVersion): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return 0;
}

/** Go's `strings.SplitN`: at most `n` parts, the last holding the rest. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
