import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  kubernetesVersionErrors,
  parseSemver,
  parseSemverTolerant,
  parseTolerantImageTag,
  type SemVer,
  type SemVerResult,
} from './version.js';

const ok = (parsed: SemVerResult, input = ''): SemVer => {
  assert.ok(!isSemverError(parsed), `${input}: ${JSON.stringify(parsed)}`);
  return parsed;
};
const v = (s: string): SemVer => ok(parseSemverTolerant(s), s);
const errorOf = (parsed: SemVerResult): string | undefined =>
  isSemverError(parsed) ? parsed.error : undefined;

describe('semantic versions (blang/semver rules)', () => {
  it('parses strictly: three numbers, no leading zeroes, optional pre-release and build', () => {
    assert.deepEqual(ok(parseSemver('1.30.2-rc.1+build.5')), {
      major: 1,
      minor: 30,
      patch: 2,
      pre: ['rc', 1],
      build: ['build', '5'],
    });
    assert.equal(formatSemver(v('1.33.0-rc.1+build.5')), '1.33.0-rc.1+build.5');
    for (const bad of ['1.33', '1.33.01', 'v1.33.0', '1.33.0-', '1.33.0-rc..1', '1.33.0+', '1.2.3.4x']) {
      assert.ok(isSemverError(parseSemver(bad)), bad);
    }
  });

  it("fails with blang's and strconv's messages, which end up in denials", () => {
    const cases: [string, string][] = [
      ['', 'Version string empty'],
      ['1.2', 'No Major.Minor.Patch elements found'],
      ['v1.30.2', 'Invalid character(s) found in major number "v1"'],
      ['1.02.3', 'Minor number must not contain leading zeroes "02"'],
      ['1.2.3-', 'Prerelease is empty'],
      ['1.2.3-01', 'Numeric PreRelease version must not contain leading zeroes "01"'],
      ['1.2.3+a_b', 'Invalid character(s) found in build meta data "a_b"'],
      ['1..3', 'strconv.ParseUint: parsing "": invalid syntax'],
      ['18446744073709551616.0.0', 'strconv.ParseUint: parsing "18446744073709551616": value out of range'],
    ];
    for (const [input, message] of cases) assert.equal(errorOf(parseSemver(input)), message, input);
    assert.equal(
      errorOf(parseSemverTolerant('1.2-rc')),
      'Short version cannot contain PreRelease/Build meta data',
    );
    // ParseTolerant's leading-zero step prefixes a non-digit part with 0; blang really reports "0latest".
    assert.equal(
      errorOf(parseSemverTolerant('latest')),
      'Invalid character(s) found in major number "0latest"',
    );
  });

  it('parses tolerantly: a v prefix, short forms and leading zeroes are accepted', () => {
    assert.equal(formatSemver(v(' v1.33 ')), '1.33.0');
    assert.equal(formatSemver(v('v01.002.3')), '1.2.3');
    assert.ok(isSemverError(parseSemverTolerant('v1.33-rc.1')));
  });

  it('reads image tags, where _ stands for +', () => {
    assert.equal(formatSemver(ok(parseTolerantImageTag('v1.11.3_build.1'))), '1.11.3+build.1');
  });

  it('orders pre-releases before releases, and build tags only when asked', () => {
    assert.equal(compareVersions(v('1.33.0-rc.1'), v('1.33.0')), -1);
    assert.equal(compareVersions(v('1.33.0-rc.1'), v('1.33.0'), { withoutPreReleases: true }), 0);
    assert.equal(compareVersions(v('1.33.0-alpha.10'), v('1.33.0-alpha.9')), 1);
    assert.equal(compareVersions(v('1.31.0'), v('1.32.0'), { withoutPreReleases: true }), -1);
    assert.equal(compareVersions(v('2.0.0'), v('1.99.9'), { withoutPreReleases: true }), 1);
    assert.equal(compareVersions(v('1.33.0+2'), v('1.33.0+10')), 0);
    assert.equal(compareVersions(v('1.33.0+2'), v('1.33.0+10'), { withBuildTags: true }), -1);
    assert.equal(compareVersions(v('1.33.0+abc'), v('1.33.0+def'), { withBuildTags: true }), 2);
  });

  it('checks Kubernetes versions as upstream webhooks do: a v, then a strict semantic version', () => {
    assert.deepEqual(kubernetesVersionErrors('v1.30.0'), []);
    assert.deepEqual(kubernetesVersionErrors('1.30.0'), ['must start with v']);
    assert.deepEqual(kubernetesVersionErrors('v1.30'), ['must be a valid semantic version']);
  });
});
