import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pc from 'picocolors';
import { formatTable, shortDuration, stripAnsi, useColor } from './output.js';

describe('output for people', () => {
  it('colours only a terminal, honouring NO_COLOR, FORCE_COLOR and the flag', () => {
    assert.equal(useColor({ isTTY: true, env: {} }), true);
    assert.equal(useColor({ isTTY: false, env: {} }), false);
    assert.equal(useColor({ isTTY: true, env: { NO_COLOR: '1' } }), false);
    assert.equal(useColor({ isTTY: true, env: { TERM: 'dumb' } }), false);
    assert.equal(useColor({ isTTY: false, env: { FORCE_COLOR: '1' } }), true);
    assert.equal(useColor({ isTTY: true, env: { NO_COLOR: '1' }, flag: true }), true);
    assert.equal(useColor({ isTTY: true, env: {}, flag: false }), false);
  });

  it('aligns table columns by printed width, so coloured cells line up', () => {
    const c = pc.createColors(true);
    const out = formatTable(
      ['NAME', 'READY', 'AGE'],
      [
        ['demo', c.green('True'), '5m'],
        ['a-much-longer-name', c.red('False'), '10s'],
      ],
    );
    assert.notEqual(out, out.replaceAll('\u001b', ''), 'the cells are coloured');
    const plain = stripAnsi(out);
    assert.equal(
      plain,
      'NAME                 READY   AGE\ndemo                 True    5m\na-much-longer-name   False   10s\n',
    );
  });

  it('prints ages as kubectl does', () => {
    assert.equal(shortDuration(5_000), '5s');
    assert.equal(shortDuration(119_000), '119s');
    assert.equal(shortDuration(3 * 60_000), '3m');
    assert.equal(shortDuration(5 * 3_600_000), '5h');
    assert.equal(shortDuration(3 * 86_400_000), '3d');
  });
});
