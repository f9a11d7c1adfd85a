import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import {
  AlreadyOwnedError,
  getControllerOf,
  hasOwnerOfKind,
  hasOwnerReference,
  InvalidOwnerError,
  isControlledBy,
  ownerReferenceFor,
  removeOwnerReference,
  setControllerReference,
  setOwnerReference,
} from './owner-references.js';

function object(
  kind: string,
  name: string,
  uid: string,
  apiVersion = 'cluster.x-k8s.io/v1beta2',
): KubeObject {
  return { apiVersion, kind, metadata: { namespace: 'ns', name, uid } };
}

const machineSet = object('MachineSet', 'ms', 'uid-ms');
const deployment = object('MachineDeployment', 'md', 'uid-md');

describe('ownerReferenceFor', () => {
  it('builds a reference with the flags asked for', () => {
    assert.deepEqual(ownerReferenceFor(machineSet, { controller: true, blockOwnerDeletion: true }), {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'MachineSet',
      name: 'ms',
      uid: 'uid-ms',
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.equal('controller' in ownerReferenceFor(machineSet), false);
  });

  it('needs a uid, so an owner that was never read from the server is rejected', () => {
    assert.throws(
      () => ownerReferenceFor({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }),
      TypeError,
    );
  });
});

describe('setControllerReference', () => {
  it('makes the owner the controller and is idempotent', () => {
    const machine = object('Machine', 'm', 'uid-m');
    assert.equal(setControllerReference(machineSet, machine), true);
    assert.equal(setControllerReference(machineSet, machine), false);
    assert.equal(machine.metadata.ownerReferences!.length, 1);
    assert.equal(getControllerOf(machine)!.uid, 'uid-ms');
    assert.equal(isControlledBy(machine, machineSet), true);
    assert.equal(isControlledBy(machine, deployment), false);
  });

  it('refuses a second controller with a typed error', () => {
    const machine = object('Machine', 'm', 'uid-m');
    setControllerReference(machineSet, machine);
    assert.throws(() => setControllerReference(deployment, machine), AlreadyOwnedError);
    assert.equal(getControllerOf(machine)!.name, 'ms');
  });

  it('promotes an existing plain reference to the same owner instead of adding another', () => {
    const machine = object('Machine', 'm', 'uid-m');
    setOwnerReference(machineSet, machine);
    setControllerReference(machineSet, machine);
    assert.equal(machine.metadata.ownerReferences!.length, 1);
    assert.equal(machine.metadata.ownerReferences![0]!.controller, true);
  });

  it('matches owners by group, not version', () => {
    const machine = object('Machine', 'm', 'uid-m');
    setControllerReference(object('MachineSet', 'ms', 'uid-ms', 'cluster.x-k8s.io/v1beta1'), machine);
    assert.equal(isControlledBy(machine, machineSet), true);
    assert.equal(setControllerReference(machineSet, machine), true);
    assert.equal(machine.metadata.ownerReferences!.length, 1);
    assert.equal(machine.metadata.ownerReferences![0]!.apiVersion, 'cluster.x-k8s.io/v1beta2');
    assert.equal(isControlledBy(machine, object('MachineSet', 'ms', 'uid-ms', 'other.io/v1beta2')), false);
  });

  it('does not count a reference to a deleted owner for a new one with the same name', () => {
    const machine = object('Machine', 'm', 'uid-m');
    setControllerReference(machineSet, machine);
    const recreated = object('MachineSet', 'ms', 'uid-ms-2');
    assert.equal(isControlledBy(machine, recreated), false);
    // Taking over is allowed: the old owner is gone and its name belongs to the new one.
    setControllerReference(recreated, machine);
    assert.equal(isControlledBy(machine, recreated), true);
    assert.equal(machine.metadata.ownerReferences!.length, 1);
  });

  it('rejects owners in other namespaces and namespaced owners of cluster-scoped objects', () => {
    const elsewhere: KubeObject = {
      ...object('Machine', 'm', 'u'),
      metadata: { namespace: 'other', name: 'm' },
    };
    assert.throws(() => setControllerReference(machineSet, elsewhere), InvalidOwnerError);
    const clusterScoped: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } };
    assert.throws(() => setOwnerReference(machineSet, clusterScoped), InvalidOwnerError);
  });
});

describe('setOwnerReference / removeOwnerReference / hasOwnerOfKind', () => {
  it('adds plain references next to the controller and removes them again', () => {
    const machine = object('Machine', 'm', 'uid-m');
    setControllerReference(machineSet, machine);
    assert.equal(setOwnerReference(deployment, machine), true);
    assert.equal(setOwnerReference(deployment, machine), false);
    assert.equal(hasOwnerReference(machine, deployment), true);
    assert.equal(getControllerOf(machine)!.name, 'ms');
    assert.equal(
      hasOwnerOfKind(machine, { apiVersion: 'cluster.x-k8s.io/v1beta1', kind: 'MachineDeployment' }),
      true,
    );
    assert.equal(hasOwnerOfKind(machine, { group: 'cluster.x-k8s.io', kind: 'Cluster' }), false);

    assert.equal(removeOwnerReference(deployment, machine), true);
    assert.equal(removeOwnerReference(deployment, machine), false);
    assert.deepEqual(
      machine.metadata.ownerReferences!.map((r) => r.kind),
      ['MachineSet'],
    );
  });

  it('keeps the controller flag when refreshing an existing reference', () => {
    const machine = object('Machine', 'm', 'uid-m');
    setControllerReference(machineSet, machine);
    assert.equal(setOwnerReference(machineSet, machine), false);
    assert.equal(getControllerOf(machine)!.name, 'ms');
  });
});
