import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { intOrPercentError } from './int-or-percent.js';

describe('int-or-percent values', () => {
  it('parses them as intstr does', () => {
    assert.equal(intOrPercentError(3), undefined);
    assert.equal(intOrPercentError('25%'), undefined);
    assert.equal(
      intOrPercentError('25'),
      'invalid value for IntOrString: invalid type: string is not a percentage',
    );
    assert.equal(
      intOrPercentError('2.5%'),
      'invalid value for IntOrString: invalid value "2.5%": strconv.Atoi: parsing "2.5": invalid syntax',
    );
  });
});
