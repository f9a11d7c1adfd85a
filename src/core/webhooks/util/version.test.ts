import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  parseSemver,
  parseSemverTolerant,
  type SemVer,
} from './version.js';

const v = (s: string): SemVer => {
  const parsed = parseSemverTolerant(s);
  assert.ok(!isSemverError(parsed), s);
  return parsed;
};

describe('semantic versions (blang/semver rules)', () => {
  it('parses strictly: three numbers, no leading zeroes, optional pre-release and build', () => {
    assert.equal(formatSemver(v('1.33.0-rc.1+build.5')), '1.33.0-rc.1+build.5');
    for (const bad of ['1.33', '1.33.01', 'v1.33.0', '1.33.0-', '1.33.0-rc..1', '1.33.0+', '1.2.3.4x']) {
      assert.ok(isSemverError(parseSemver(bad)), bad);
    }
  });

  it('parses tolerantly: a v prefix, short forms and leading zeroes are accepted', () => {
    assert.equal(formatSemver(v(' v1.33 ')), '1.33.0');
    assert.equal(formatSemver(v('v01.002.3')), '1.2.3');
    assert.ok(isSemverError(parseSemverTolerant('v1.33-rc.1')));
  });

  it('orders pre-releases before releases, and build tags only when asked', () => {
    assert.equal(compareVersions(v('1.33.0-rc.1'), v('1.33.0')), -1);
    assert.equal(compareVersions(v('1.33.0-rc.1'), v('1.33.0'), { withoutPreReleases: true }), 0);
    assert.equal(compareVersions(v('1.33.0-alpha.10'), v('1.33.0-alpha.9')), 1);
    assert.equal(compareVersions(v('1.33.0+2'), v('1.33.0+10')), 0);
    assert.equal(compareVersions(v('1.33.0+2'), v('1.33.0+10'), { withBuildTags: true }), -1);
    assert.equal(compareVersions(v('1.33.0+abc'), v('1.33.0+def'), { withBuildTags: true }), 2);
  });
});
