import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { customResourceDefinitionDefinition } from './custom-resource-definition.js';
import { leaseDefinition } from './lease.js';
import { nodeDefinition } from './node.js';
import { randomClusterIP, serviceDefinition } from './service.js';
import { selfSubjectAccessReviewDefinition, subjectAccessReviewDefinition } from './access-reviews.js';

const messages = (errs: FieldError[] | undefined) => (errs ?? []).map(fieldErrorMessage);

describe('Service strategy', () => {
  const { strategy } = serviceDefinition;

  it('defaults and allocates a cluster IP and node ports', () => {
    const svc: KubeObject = { metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    strategy.prepareForCreate?.(svc);
    const spec = svc.spec as Record<string, unknown>;
    assert.match(String(spec.clusterIP), /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
    assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
    const port = (spec.ports as Record<string, unknown>[])[0];
    assert.equal(port?.protocol, 'TCP');
    assert.equal(port?.targetPort, 80);
    assert.ok(typeof port?.nodePort === 'number' && port.nodePort >= 30000 && port.nodePort <= 32767);
    assert.equal(spec.sessionAffinity, 'None');
    assert.deepEqual(strategy.validate?.(svc, undefined), []);
  });

  it('keeps allocated values on update and refuses a cluster IP change', () => {
    const old: KubeObject = { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 80 }] } };
    strategy.prepareForCreate?.(old);
    const svc: KubeObject = { metadata: { name: 'web' }, spec: { ports: [{ name: 'http', port: 81 }] } };
    strategy.prepareForUpdate?.(svc, old);
    assert.equal(
      (svc.spec as Record<string, unknown>).clusterIP,
      (old.spec as Record<string, unknown>).clusterIP,
    );
    assert.deepEqual(strategy.validate?.(svc, old), []);
    const moved = structuredClone(svc);
    (moved.spec as Record<string, unknown>).clusterIPs = ['10.96.0.99'];
    assert.deepEqual(messages(strategy.validate?.(moved, old)), [
      'spec.clusterIPs[0]: Invalid value: "10.96.0.99": may not change once set',
    ]);
  });

  it('requires ports and names when there are several', () => {
    assert.deepEqual(messages(strategy.validate?.({ spec: { type: 'ClusterIP', ports: [] } }, undefined)), [
      'spec.ports: Required value',
    ]);
    assert.deepEqual(
      messages(
        strategy.validate?.(
          {
            spec: {
              type: 'ClusterIP',
              ports: [
                { port: 80, protocol: 'TCP' },
                { port: 81, protocol: 'TCP' },
              ],
            },
          },
          undefined,
        ),
      ),
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value'],
    );
  });

  it('draws cluster IPs inside 10.96.0.0/12', () => {
    for (let i = 0; i < 50; i++) {
      const [a, b] = randomClusterIP().split('.').map(Number);
      assert.equal(a, 10);
      assert.ok(b !== undefined && b >= 96 && b <= 111);
    }
  });
});

describe('Node, Lease, CRD and review strategies', () => {
  it('Node: taint effects and providerID immutability', () => {
    const node: KubeObject = {
      metadata: { name: 'n' },
      spec: { providerID: 'sim://a', taints: [{ key: 'k', effect: 'Sometimes' }] },
    };
    assert.deepEqual(messages(nodeDefinition.strategy.validate?.(node, undefined)), [
      'spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"',
    ]);
    const moved: KubeObject = { metadata: { name: 'n' }, spec: { providerID: 'sim://b' } };
    assert.deepEqual(
      messages(nodeDefinition.strategy.validate?.(moved, { spec: { providerID: 'sim://a' } })),
      ['spec.providerID: Forbidden: node updates may not change providerID except from "" to valid'],
    );
    assert.deepEqual(nodeDefinition.strategy.validate?.(moved, { spec: {} }), []);
    assert.deepEqual(nodeDefinition.selectableFields?.({ spec: { unschedulable: true } }), {
      'spec.unschedulable': 'true',
    });
    assert.deepEqual(nodeDefinition.selectableFields?.({}), { 'spec.unschedulable': 'false' });
  });

  it('Lease: duration and transitions ranges', () => {
    assert.deepEqual(
      messages(
        leaseDefinition.strategy.validate?.(
          { spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } },
          undefined,
        ),
      ),
      [
        'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
        'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
      ],
    );
  });

  it('CRD: records the storage version in status.storedVersions', () => {
    const crd: KubeObject = {
      metadata: { name: 'widgets.example.com' },
      spec: {
        versions: [
          { name: 'v1alpha1', storage: false },
          { name: 'v1', storage: true },
        ],
      },
      status: { conditions: [] },
    };
    customResourceDefinitionDefinition.strategy.prepareForCreate?.(crd);
    assert.deepEqual(crd.status, { storedVersions: ['v1'] });
    (crd.spec as { versions: { name: string; storage: boolean }[] }).versions = [
      { name: 'v2', storage: true },
    ];
    customResourceDefinitionDefinition.strategy.prepareForUpdate?.(crd, crd);
    assert.deepEqual(crd.status, { storedVersions: ['v1', 'v2'] });
  });

  it('access reviews: exactly one kind of attributes, and a subject for SubjectAccessReview', () => {
    assert.deepEqual(
      messages(selfSubjectAccessReviewDefinition.strategy.validate?.({ spec: {} }, undefined)),
      [
        'spec.resourceAttributes: Invalid value: null: exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ],
    );
    assert.deepEqual(
      messages(
        subjectAccessReviewDefinition.strategy.validate?.(
          { spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } },
          undefined,
        ),
      ),
      ['spec.user: Invalid value: "": at least one of user or group must be specified'],
    );
  });
});
