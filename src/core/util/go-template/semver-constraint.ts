// Version constraints with the semantics of Masterminds/semver v3, which sprig's semverCompare uses.
// Notably: a leading "v" and missing minor/patch are accepted, and a prerelease version only satisfies
// a comparator that itself carries a prerelease (hence upstream's "< v1.25-0" idiom).

interface Version {
  major: number;
  minor: number;
  patch: number;
  pre: string;
}

interface Comparator {
  op: string;
  ver: Version;
  dirty: boolean;
  minorDirty: boolean;
  patchDirty: boolean;
}

/** Masterminds' error for an unparsable version string. */
export class InvalidSemanticVersionError extends Error {
  override readonly name = 'InvalidSemanticVersionError';
  constructor() {
    super('Invalid Semantic Version');
  }
}

/** Masterminds' error for an unparsable constraint string. */
export class ImproperConstraintError extends Error {
  override readonly name = 'ImproperConstraintError';
  constructor(constraint: string) {
    super(`improper constraint: ${constraint}`);
  }
}

const VERSION_RE =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const CV = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(?:-([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?(?:\+([0-9A-Za-z\-]+(?:\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=|!=|>=|=>|<=|=<|~>|~|\^|>|<`;
const ONE_CONSTRAINT = new RegExp(String.raw`^\s*(${OPS})?\s*${CV}\s*$`);
const FIND_CONSTRAINT = new RegExp(String.raw`(${OPS})?\s*${CV}`, 'g');
const HYPHEN = new RegExp(String.raw`\s*(${CV})\s+-\s+(${CV})\s*`, 'g');

function parseVersion(s: string): Version {
  const m = VERSION_RE.exec(s);
  if (!m) throw new InvalidSemanticVersionError();
  return {
    major: Number(m[1]),
    minor: m[2] ? Number(m[2].slice(1)) : 0,
    patch: m[3] ? Number(m[3].slice(1)) : 0,
    pre: m[4] ?? '',
  };
}

function isX(s: string | undefined): boolean {
  return s === 'x' || s === 'X' || s === '*';
}

function parseComparator(text: string): Comparator {
  const m = ONE_CONSTRAINT.exec(text);
  if (!m) throw new ImproperConstraintError(text);
  const [, op = '', major = '', minorPart, patchPart, pre] = m;
  const minor = minorPart?.slice(1);
  const patch = patchPart?.slice(1);
  let dirty = false;
  let minorDirty = false;
  let patchDirty = false;
  let ver: Version;
  if (isX(major)) {
    dirty = true;
    ver = { major: 0, minor: 0, patch: 0, pre: '' };
  } else if (isX(minor)) {
    dirty = true;
    minorDirty = true;
    patchDirty = true;
    ver = { major: Number(major), minor: 0, patch: 0, pre: pre ?? '' };
  } else if (isX(patch)) {
    dirty = true;
    patchDirty = true;
    ver = { major: Number(major), minor: Number(minor ?? 0), patch: 0, pre: pre ?? '' };
  } else {
    ver = parseVersion(text.trim().replace(new RegExp(`^(${OPS})\\s*`), ''));
  }
  return { op, ver, dirty, minorDirty, patchDirty };
}

function comparePre(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const pa = a.split('.');
  const pb = b.split('.');
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    if (xn && yn) return Number(x) < Number(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function compare(a: Version, b: Version): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  return comparePre(a.pre, b.pre);
}

function check(c: Comparator, v: Version): boolean {
  if (v.pre !== '' && c.ver.pre === '') return false;
  const cmp = compare(v, c.ver);
  switch (c.op) {
    case '':
    case '=':
      // Masterminds treats a wildcard equality as a tilde range.
      return c.dirty ? check({ ...c, op: '~' }, v) : cmp === 0;
    case '!=':
      return !check({ ...c, op: '=' }, v);
    case '>':
      if (!c.dirty) return cmp > 0;
      if (v.major !== c.ver.major) return v.major > c.ver.major;
      if (c.minorDirty) return false;
      return v.minor > c.ver.minor;
    case '<':
      if (!c.dirty) return cmp < 0;
      return cmp < 0;
    case '>=':
    case '=>':
      return cmp >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return cmp <= 0;
      if (v.major !== c.ver.major) return v.major < c.ver.major;
      if (c.minorDirty) return true;
      if (c.patchDirty) return v.minor <= c.ver.minor;
      return cmp <= 0;
    case '~':
    case '~>':
      if (cmp < 0) return false;
      if (c.ver.major === 0 && c.ver.minor === 0 && c.ver.patch === 0 && !c.minorDirty && !c.patchDirty)
        return true;
      if (v.major !== c.ver.major) return false;
      return c.minorDirty || v.minor === c.ver.minor;
    case '^':
      if (cmp < 0) return false;
      if (c.ver.major > 0 || c.minorDirty) return v.major === c.ver.major;
      if (c.ver.minor > 0 || c.patchDirty) return v.major === 0 && v.minor === c.ver.minor;
      return v.major === 0 && v.minor === 0 && v.patch === c.ver.patch;
    default:
      return false;
  }
}

/**
 * sprig's semverCompare: whether `version` satisfies `constraint` (`||` alternatives of `,`- or
 * space-separated comparators, hyphen ranges, x-ranges, `~`, `^`).
 */
export function semverSatisfies(constraint: string, version: string): boolean {
  // The callback's 2nd and 8th arguments are the two whole versions (each version has 5 inner groups).
  const rewritten = constraint.replace(HYPHEN, (...m: string[]) => ` >= ${m[1]}, <= ${m[7]} `);
  const groups = rewritten.split('||').map((group) => {
    const trimmed = group.trim();
    if (!new RegExp(String.raw`^\s*(?:(?:${OPS})?\s*${CV}\s*,?\s*)+$`).test(trimmed) || trimmed === '') {
      throw new ImproperConstraintError(group);
    }
    return [...trimmed.matchAll(FIND_CONSTRAINT)].map((m) => parseComparator(m[0]));
  });
  const v = parseVersion(version);
  return groups.some((cs) => cs.every((c) => check(c, v)));
}
