import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { podDefinition, podGracePeriodSeconds } from './pod.js';
import { imageTag, podQOSClass } from './pod-spec.js';

const { strategy } = podDefinition;

const pod = (
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
  meta = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2024-05-01T10:00:00Z', ...meta },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }], ...spec },
  status,
});

describe('Pod graceful deletion', () => {
  it('uses spec.terminationGracePeriodSeconds, 30 by default, for scheduled pods', () => {
    assert.equal(podGracePeriodSeconds(pod({ nodeName: 'n1' }, { phase: 'Running' }), undefined), 30);
    assert.equal(
      podGracePeriodSeconds(pod({ nodeName: 'n1', terminationGracePeriodSeconds: 5 }), undefined),
      5,
    );
    assert.equal(strategy.gracePeriodSeconds, podGracePeriodSeconds);
    assert.equal(strategy.returnDeletedObject, true);
  });

  it('honours the requested period; 0 is immediate, negative becomes 1', () => {
    assert.equal(podGracePeriodSeconds(pod({ nodeName: 'n1' }), 10), 10);
    assert.equal(podGracePeriodSeconds(pod({ nodeName: 'n1' }), 0), undefined);
    assert.equal(podGracePeriodSeconds(pod({ nodeName: 'n1' }), -5), 1);
  });

  it('deletes unscheduled and terminated pods immediately', () => {
    assert.equal(podGracePeriodSeconds(pod(), undefined), undefined);
    assert.equal(podGracePeriodSeconds(pod({ nodeName: 'n1' }, { phase: 'Succeeded' }), 30), undefined);
    assert.equal(podGracePeriodSeconds(pod({ nodeName: 'n1' }, { phase: 'Failed' }), undefined), undefined);
  });
});

describe('Pod create and update', () => {
  it('defaults the spec and starts Pending with a QoS class', () => {
    const p = pod({}, { phase: 'Running', podIP: '1.2.3.4' });
    strategy.prepareForCreate?.(p);
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
    const spec = p.spec as Record<string, unknown>;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.terminationGracePeriodSeconds, 30);
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.serviceAccountName, 'default');
    assert.deepEqual((spec.containers as unknown[])[0], {
      name: 'app',
      image: 'nginx:1.25',
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
  });

  it('validates containers', () => {
    const messages = strategy.validate?.(
      pod({ containers: [{ name: 'Bad_Name' }, { name: 'Bad_Name', image: 'x' }] }),
      undefined,
    );
    assert.deepEqual(
      (messages ?? []).map((e) => `${e.field}: ${e.type}`),
      [
        'spec.containers[0].name: FieldValueInvalid',
        'spec.containers[0].image: FieldValueRequired',
        'spec.containers[1].name: FieldValueInvalid',
        'spec.containers[1].name: FieldValueDuplicate',
      ],
    );
    assert.deepEqual((strategy.validate?.(pod({ containers: [] }), undefined) ?? []).map(fieldErrorMessage), [
      'spec.containers: Required value',
    ]);
  });

  it('lets updates change images but not other spec fields', () => {
    const old = pod();
    strategy.prepareForCreate?.(old);
    const newImage = structuredClone(old);
    (newImage.spec as { containers: { image: string }[] }).containers[0]!.image = 'nginx:1.26';
    strategy.prepareForUpdate?.(newImage, old);
    assert.deepEqual(strategy.validate?.(newImage, old), []);

    const moved = structuredClone(old);
    (moved.spec as Record<string, unknown>).nodeName = 'n2';
    strategy.prepareForUpdate?.(moved, old);
    const errs = strategy.validate?.(moved, old) ?? [];
    assert.equal(errs.length, 1);
    const [err] = errs;
    assert.ok(err);
    assert.equal(err.field, 'spec');
    assert.match(
      fieldErrorMessage(err),
      /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,.*\n {2}spec.nodeName$/s,
    );
  });

  it('computes QoS classes and image tags as upstream', () => {
    const guaranteed = {
      containers: [
        {
          resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '0.5', memory: '128Mi' } },
        },
      ],
    };
    assert.equal(podQOSClass(guaranteed), 'Guaranteed');
    assert.equal(podQOSClass({ containers: [{ resources: { requests: { cpu: '100m' } } }] }), 'Burstable');
    assert.equal(imageTag('nginx'), 'latest');
    assert.equal(imageTag('registry:5000/nginx'), 'latest');
    assert.equal(imageTag('registry:5000/nginx:1.2'), '1.2');
    assert.equal(imageTag('nginx@sha256:abc'), undefined);
  });
});

describe('Pod table and field selectors', () => {
  const now = new Date('2024-05-01T11:00:00Z');
  const cells = (p: KubeObject) => podDefinition.table?.cells(p, now);

  it('prints a running pod', () => {
    const p = pod(
      { nodeName: 'n1' },
      {
        phase: 'Running',
        podIP: '10.0.0.5',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: '2024-05-01T10:00:05Z' } },
          },
        ],
      },
    );
    assert.deepEqual(cells(p), [
      'web',
      '1/1',
      'Running',
      '0',
      '2024-05-01T10:00:00Z',
      '10.0.0.5',
      'n1',
      '<none>',
      '<none>',
    ]);
  });

  it('shows the waiting reason and when the last restart happened', () => {
    const p = pod(
      { nodeName: 'n1' },
      {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 2,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T10:55:00Z' } },
          },
        ],
      },
    );
    assert.deepEqual(cells(p)?.slice(1, 4), ['0/1', 'CrashLoopBackOff', '2 (5m ago)']);
  });

  it('shows init progress and termination', () => {
    const init = pod(
      { initContainers: [{ name: 'setup', image: 'busybox' }] },
      { phase: 'Pending', initContainerStatuses: [{ name: 'setup', state: { running: {} } }] },
    );
    assert.equal(cells(init)?.[2], 'Init:0/1');
    const deleting = pod(
      { nodeName: 'n1' },
      { phase: 'Running' },
      { deletionTimestamp: '2024-05-01T10:59:00Z' },
    );
    assert.equal(cells(deleting)?.[2], 'Terminating');
    const done = pod(
      {},
      {
        phase: 'Succeeded',
        containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      },
    );
    assert.equal(cells(done)?.[2], 'Completed');
  });

  it('offers the upstream selectable fields as strings', () => {
    const p = pod(
      { nodeName: 'n1', hostNetwork: true, restartPolicy: 'Always' },
      { phase: 'Running', podIPs: [{ ip: '10.0.0.9' }] },
    );
    assert.deepEqual(podDefinition.selectableFields?.(p), {
      'spec.nodeName': 'n1',
      'spec.restartPolicy': 'Always',
      'spec.schedulerName': '',
      'spec.serviceAccountName': '',
      'spec.hostNetwork': 'true',
      'status.phase': 'Running',
      'status.podIP': '10.0.0.9',
      'status.nominatedNodeName': '',
    });
  });
});
