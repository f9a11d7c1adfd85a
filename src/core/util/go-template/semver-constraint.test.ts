import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ImproperConstraintError,
  InvalidSemanticVersionError,
  semverSatisfies,
} from './semver-constraint.js';

describe('semverSatisfies (Masterminds/semver v3, as sprig semverCompare)', () => {
  const cases: [string, string, boolean][] = [
    ['< v1.25-0', 'v1.24.3', true],
    ['< v1.25-0', 'v1.25.0', false],
    ['< v1.25-0', 'v1.25.0-rc.1', false],
    ['< v1.25-0', 'v1.24.0-alpha.1', true],
    ['>= 1.24', 'v1.30.0', true],
    ['>= 1.24', 'v1.30.0-beta.0', false],
    ['>= v1.24.0', '1.24.0', true],
    ['> 1.24', '1.24.0', false],
    ['<= 1.24.1', '1.24.1', true],
    ['= 1.2.3', 'v1.2.3', true],
    ['1.2.3', '1.2.4', false],
    ['!=1.2.3', '1.2.3', false],
    ['!=1.2.3', '1.2.4', true],
    ['~1.2', '1.2.9', true],
    ['~1.2', '1.3.0', false],
    ['~1.2.3', '1.2.2', false],
    ['^1.2.3', '1.9.0', true],
    ['^1.2.3', '2.0.0', false],
    ['^0.2.3', '0.2.9', true],
    ['^0.2.3', '0.3.0', false],
    ['1.2.x', '1.2.7', true],
    ['1.2.x', '1.3.0', false],
    ['*', '5.0.0', true],
    ['>1.0 <2.0', '1.5', true],
    ['>1.0, <2.0', '2.0.0', false],
    ['<1.0 || >=2.0', '2.1.0', true],
    ['<1.0 || >=2.0', '1.5.0', false],
    ['1.0 - 2.0', '1.5.0', true],
    ['1.0 - 2.0', '2.0.1', false],
    ['>= 1.28.0-0', 'v1.28.0-rc.0', true],
    ['>= 1.0.0', 'v1.30.0+k3s1', true],
  ];
  for (const [constraint, version, expected] of cases) {
    it(`${JSON.stringify(constraint)} ${expected ? 'matches' : 'does not match'} ${version}`, () => {
      assert.equal(semverSatisfies(constraint, version), expected);
    });
  }

  it('rejects versions and constraints Masterminds rejects', () => {
    assert.throws(() => semverSatisfies('>= 1.0', 'not-a-version'), InvalidSemanticVersionError);
    assert.throws(() => semverSatisfies('>= 1.0', '1.2.3.4'), InvalidSemanticVersionError);
    assert.throws(() => semverSatisfies('foo', '1.0.0'), ImproperConstraintError);
    assert.throws(() => semverSatisfies('', '1.0.0'), ImproperConstraintError);
  });
});
