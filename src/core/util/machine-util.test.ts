import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Machine } from '../api/v1beta2/machine-types.js';
import { aggregateStaleMachines, namesMessage, randomString, versionsFromMachines } from './index.js';

const NOW = Date.parse('2026-01-10T12:00:00Z');

function machine(
  name: string,
  o: { created?: number; version?: string; kubelet?: string; deletingSinceMin?: number } = {},
): Machine & KubeObject {
  return {
    metadata: {
      name,
      creationTimestamp: new Date(o.created ?? NOW).toISOString(),
      ...(o.deletingSinceMin !== undefined
        ? { deletionTimestamp: new Date(NOW - o.deletingSinceMin * 60_000).toISOString() }
        : {}),
    },
    spec: {
      clusterName: 'c',
      bootstrap: {},
      infrastructureRef: { apiGroup: 'x', kind: 'X', name },
      ...(o.version ? { version: o.version } : {}),
    },
    ...(o.kubelet ? { status: { nodeInfo: { kubeletVersion: o.kubelet } } } : {}),
  } as Machine & KubeObject;
}

describe('Machine helpers shared by the Machine-owning controllers', () => {
  it('counts versions, the kubelet version winning over spec.version, oldest version first', () => {
    assert.deepEqual(
      versionsFromMachines([
        machine('a', { version: 'v1.34.0' }),
        machine('b', { version: 'v1.34.0', kubelet: 'v1.33.2' }),
        machine('c', { version: 'v1.33.2' }),
        machine('d'),
      ]),
      [
        { version: 'v1.33.2', replicas: 2 },
        { version: 'v1.34.0', replicas: 1 },
      ],
    );
    assert.deepEqual(versionsFromMachines([]), []);
  });

  it('names Machines deleting for more than 15 minutes', () => {
    assert.equal(aggregateStaleMachines([machine('a', { deletingSinceMin: 5 })], NOW), '');
    assert.equal(
      aggregateStaleMachines([machine('a', { deletingSinceMin: 20 })], NOW),
      'Machine a is in deletion since more than 15m',
    );
    assert.equal(
      aggregateStaleMachines(
        ['e', 'd', 'c', 'b', 'a'].map((n) => machine(n, { deletingSinceMin: 16 })),
        NOW,
      ),
      'Machines a, b, c, ... (2 more) are in deletion since more than 15m',
    );
  });

  it('words Machine lists and draws name suffixes from apimachinery alphabet', () => {
    assert.equal(namesMessage(['b']), 'Machine b is');
    assert.equal(namesMessage(['d', 'c', 'b', 'a']), 'Machines a, b, c, ... (1 more) are');
    assert.equal(
      randomString(5, () => 0),
      'bbbbb',
    );
    assert.equal(
      randomString(3, () => 26),
      '999',
    );
    assert.match(randomString(), /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});
