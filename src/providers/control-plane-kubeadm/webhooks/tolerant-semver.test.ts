import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareWithoutPreReleases,
  formatSemver,
  parseSemver,
  parseTolerantSemver,
} from './tolerant-semver.js';

describe('blang/semver-compatible parsing', () => {
  it('parses strictly with Parse and leniently with ParseTolerant', () => {
    assert.deepEqual(parseSemver('1.30.2-rc.1+build.5'), {
      major: 1,
      minor: 30,
      patch: 2,
      pre: ['rc', '1'],
      build: ['build', '5'],
    });
    assert.throws(() => parseSemver('v1.30.2'), {
      message: 'Invalid character(s) found in major number "v1"',
    });
    assert.equal(formatSemver(parseTolerantSemver(' v1.30 ')), '1.30.0');
    assert.equal(formatSemver(parseTolerantSemver('v01.030.02')), '1.30.2');
  });

  it("fails with blang's messages, which end up in denials", () => {
    const cases: [string, string][] = [
      ['', 'Version string empty'],
      ['1.2', 'No Major.Minor.Patch elements found'],
      ['1.02.3', 'Minor number must not contain leading zeroes "02"'],
      ['1.2.3-', 'Prerelease is empty'],
      ['1.2.3-01', 'Numeric PreRelease version must not contain leading zeroes "01"'],
      ['1.2.3+a_b', 'Invalid character(s) found in build meta data "a_b"'],
      ['1..3', 'strconv.ParseUint: parsing "": invalid syntax'],
    ];
    for (const [input, message] of cases) assert.throws(() => parseSemver(input), { message }, input);
    assert.throws(() => parseTolerantSemver('1.2-rc'), {
      message: 'Short version cannot contain PreRelease/Build meta data',
    });
    // ParseTolerant's leading-zero step prefixes a non-digit part with 0; blang really reports "0latest".
    assert.throws(() => parseTolerantSemver('latest'), {
      message: 'Invalid character(s) found in major number "0latest"',
    });
  });

  it('compares by major, minor and patch only', () => {
    assert.equal(compareWithoutPreReleases(parseSemver('1.31.0-alpha.1'), parseSemver('1.31.0')), 0);
    assert.equal(compareWithoutPreReleases(parseSemver('1.31.0'), parseSemver('1.32.0')), -1);
    assert.equal(compareWithoutPreReleases(parseSemver('2.0.0'), parseSemver('1.99.9')), 1);
  });
});
