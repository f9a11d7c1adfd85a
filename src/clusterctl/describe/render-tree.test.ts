import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DescribeNode, NodeCondition } from './describe-tree.js';
import { renderClusterTree, wrapParagraph } from './render-tree.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (seconds: number): string => new Date(NOW.getTime() - seconds * 1000).toISOString();
const ready = (seconds: number, message = ''): NodeCondition => ({
  type: 'Ready',
  status: 'False',
  reason: 'NotReady',
  message,
  lastTransitionTime: ago(seconds),
  positivePolarity: true,
});
const leaf = (name: string, summary?: NodeCondition): DescribeNode => ({
  type: 'object',
  kind: 'Machine',
  name,
  displayName: `Machine/${name}`,
  ...(summary ? { summary } : {}),
  children: [],
});

describe('renderClusterTree', () => {
  it('prints SINCE as a short duration', () => {
    const root: DescribeNode = {
      ...leaf('root', ready(5)),
      children: [leaf('a', ready(3 * 60 + 10)), leaf('b', ready(2 * 3600 + 5)), leaf('c', ready(4 * 86400))],
    };
    const since = renderClusterTree(root, { color: false, now: NOW })
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/ {2,}/).at(-1));
    assert.deepEqual(since, ['5s', '3m', '2h', '4d']);
  });

  it('continues long and multi-line messages under MESSAGE, carrying the tree lines on the left', () => {
    const long = `* NodeHealthy: ${'word '.repeat(30).trim()}`;
    const root: DescribeNode = {
      ...leaf('root', ready(5, 'first\nsecond')),
      children: [leaf('a', ready(5, long)), leaf('b')],
    };
    const out = renderClusterTree(root, { color: false, now: NOW, messageWidth: 60 });
    const lines = out.trimEnd().split('\n');
    const column = lines[1]!.indexOf('first');
    assert.equal(lines[2], `│${' '.repeat(column - 1)}second`);
    assert.ok(lines[3]!.startsWith('├─Machine/a'));
    assert.equal(lines[3]!.slice(column), `* NodeHealthy: ${'word '.repeat(9).trim()}`);
    // Wrapped bullet text lines up under the bullet's text; the tree line to Machine/b runs through.
    assert.ok(lines[4]!.startsWith('│ '));
    assert.equal(lines[4]!.slice(column), `  ${'word '.repeat(11).trim()}`);
    assert.ok(lines.at(-1)!.startsWith('└─Machine/b'));
  });

  it('indents condition rows under their object and continues their messages', () => {
    const root: DescribeNode = {
      ...leaf('root'),
      conditions: [
        ready(5, 'one\ntwo'),
        { ...ready(5), type: 'Paused', status: 'False', positivePolarity: false },
      ],
      children: [leaf('a', ready(5))],
    };
    const lines = renderClusterTree(root, { color: false, now: NOW }).trimEnd().split('\n');
    assert.match(lines[2]!, /^│ {11}├─Ready +False +NotReady +5s +one$/);
    assert.match(lines[3]!, /^│ {11}│ +two$/);
    assert.match(lines[4]!, /^│ {11}└─Paused +False +NotReady +5s$/);
    assert.match(lines[5]!, /^└─Machine\/a +False/);
  });

  it('wraps at spaces only, keeping explicit line breaks and indentation', () => {
    assert.deepEqual(wrapParagraph('aaa bbb ccc', 7), ['aaa bbb', 'ccc']);
    assert.deepEqual(wrapParagraph('x\n  * aaa bbb', 9), ['x', '  * aaa', '    bbb']);
    assert.deepEqual(wrapParagraph('averyveryverylongword', 5), ['averyveryverylongword']);
  });
});
