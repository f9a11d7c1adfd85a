import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NoKindMatchError,
  NotFoundError,
  ForbiddenError,
} from '../../../../controller-runtime/client/errors.js';
import { FakeClient } from '../../../../controller-runtime/helpers/testing/fake-client.js';
import { DrainBehavior, type ClassifiedPod } from './drain-types.js';
import {
  attachedVolumes,
  claimsOfSkippedPods,
  findVolumesWaitingForDetach,
  isWaitingForDetach,
  type NodeWithVolumes,
  type PersistentVolume,
  type VolumeAttachment,
  volumeAttachmentsOfNode,
  VolumeDetachError,
  volumeDetachConditionMessage,
  volumesWaitingForDetach,
  type VolumesWaitingForDetach,
} from './volume-detach.js';

const NODE = 'worker-0';
const node = (...volumesAttached: string[]): NodeWithVolumes => ({
  metadata: { name: NODE },
  status: { volumesAttached: volumesAttached.map((name) => ({ name, devicePath: '' })) },
});
const attachment = (
  name: string,
  pv: string | undefined,
  o: { node?: string; attached?: boolean } = {},
): VolumeAttachment => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'VolumeAttachment',
  metadata: { name },
  spec: {
    attacher: 'csi.example.com',
    nodeName: o.node ?? NODE,
    source: pv === undefined ? {} : { persistentVolumeName: pv },
  },
  status: { attached: o.attached ?? true },
});
const pv = (
  name: string,
  o: { claim?: string; handle?: string; claimKind?: string } = {},
): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    ...(o.handle ? { csi: { driver: 'csi.example.com', volumeHandle: o.handle } } : {}),
    ...(o.claim
      ? {
          claimRef: {
            kind: o.claimKind ?? 'PersistentVolumeClaim',
            namespace: o.claim.split('/')[0],
            name: o.claim.split('/')[1],
          },
        }
      : {}),
  },
});
const csiName = (handle: string) => `kubernetes.io/csi/csi.example.com^${handle}`;
const classified = (
  name: string,
  behavior: DrainBehavior,
  claims: string[],
  namespace = 'default',
): ClassifiedPod => ({
  pod: {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      containers: [{ name: 'c' }],
      volumes: [
        { name: 'scratch', emptyDir: {} },
        ...claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })),
      ],
    },
  },
  status: { behavior, reason: 'Okay' },
});
const nothing: VolumesWaitingForDetach = {
  persistentVolumeClaims: [],
  persistentVolumesWithoutClaimRef: [],
  nodeVolumeNamesWithoutPV: [],
  persistentVolumeNamesWithoutPV: [],
};

describe('attachedVolumes', () => {
  it('takes Node status names and the PersistentVolumes of the VolumeAttachments', () => {
    const a = attachedVolumes(node(csiName('h1')), [attachment('va-1', 'pv-1'), attachment('va-2', 'pv-2')]);
    assert.deepEqual([...a.nodeVolumeNames], [csiName('h1')]);
    assert.deepEqual([...a.persistentVolumeNames], ['pv-1', 'pv-2']);
  });

  it('refuses a VolumeAttachment of an inline volume, as upstream', () => {
    assert.throws(
      () => attachedVolumes(node(), [attachment('va-inline', undefined)]),
      (err: unknown) =>
        err instanceof VolumeDetachError &&
        err.message === 'spec.source.persistentVolumeName for VolumeAttachment va-inline is not set',
    );
  });
});

describe('volumeAttachmentsOfNode', () => {
  it('keeps only attached VolumeAttachments of the Node', async () => {
    const fake = new FakeClient();
    fake.seed(attachment('va-1', 'pv-1'));
    fake.seed(attachment('va-other-node', 'pv-2', { node: 'worker-1' }));
    fake.seed(attachment('va-detached', 'pv-3', { attached: false }));
    const found = await volumeAttachmentsOfNode(fake, NODE);
    assert.deepEqual(
      found?.map((v) => v.metadata.name),
      ['va-1'],
    );
    assert.equal((fake.requestsOf('list')[0]?.options as { limit?: number }).limit, 100);
  });

  it('answers undefined when the workload cluster does not serve the kind', async () => {
    for (const err of [
      new NoKindMatchError('storage.k8s.io/v1', 'VolumeAttachment'),
      new NotFoundError({
        kind: 'Status',
        code: 404,
        reason: 'NotFound',
        message: 'the server could not find the requested resource',
      }),
    ]) {
      const fake = new FakeClient();
      fake.addReactor((r) => {
        if (r.verb === 'list' && r.type.kind === 'VolumeAttachment') throw err;
      });
      assert.equal(await volumeAttachmentsOfNode(fake, NODE), undefined);
    }
  });

  it('fails on other errors', async () => {
    const fake = new FakeClient();
    fake.addReactor(() => {
      throw new ForbiddenError({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'no' });
    });
    await assert.rejects(volumeAttachmentsOfNode(fake, NODE), /failed to list VolumeAttachments: no/);
  });
});

describe('claimsOfSkippedPods', () => {
  it('names the claims of skipped Pods only, namespaced', () => {
    const claims = claimsOfSkippedPods([
      classified('ds-pod', DrainBehavior.Skip, ['ds-data']),
      classified('mirror', DrainBehavior.Skip, ['cache'], 'kube-system'),
      classified('app', DrainBehavior.Drain, ['app-data']),
      classified('job', DrainBehavior.WaitCompleted, ['job-data']),
    ]);
    assert.deepEqual([...claims].sort(), ['default/ds-data', 'kube-system/cache']);
  });
});

describe('volumesWaitingForDetach', () => {
  it('maps attached volumes through PersistentVolumes to claims, minus the ignored ones', () => {
    const attached = attachedVolumes(node(csiName('h1'), csiName('h-unknown')), [
      attachment('va-2', 'pv-2'),
      attachment('va-3', 'pv-3'),
      attachment('va-4', 'pv-static'),
      attachment('va-5', 'pv-gone'),
    ]);
    const waiting = volumesWaitingForDetach(
      attached,
      [
        pv('pv-1', { handle: 'h1', claim: 'default/data-1' }),
        pv('pv-2', { claim: 'default/data-2' }),
        pv('pv-3', { claim: 'default/ds-data' }),
        pv('pv-static'),
        pv('pv-pod-ref', { handle: 'hx', claim: 'default/x', claimKind: 'Pod' }),
        pv('pv-unrelated', { handle: 'h9', claim: 'default/other' }),
      ],
      new Set(['default/ds-data']),
    );
    assert.deepEqual(waiting, {
      persistentVolumeClaims: ['default/data-1', 'default/data-2'],
      persistentVolumesWithoutClaimRef: ['pv-static'],
      nodeVolumeNamesWithoutPV: [csiName('h-unknown')],
      persistentVolumeNamesWithoutPV: ['pv-gone'],
    });
    assert.equal(isWaitingForDetach(waiting), true);
    assert.equal(isWaitingForDetach(nothing), false);
  });

  it('is done when only ignored claims are attached', () => {
    const attached = attachedVolumes(node(), [attachment('va-3', 'pv-3')]);
    const waiting = volumesWaitingForDetach(
      attached,
      [pv('pv-3', { claim: 'default/ds-data' })],
      new Set(['default/ds-data']),
    );
    assert.deepEqual(waiting, nothing);
  });
});

describe('volumeDetachConditionMessage', () => {
  const startedAt = new Date('2024-10-09T16:13:59.123Z');

  it('lists each kind sorted, five at most, in upstream words', () => {
    const message = volumeDetachConditionMessage(
      {
        persistentVolumeClaims: ['ns/g', 'ns/f', 'ns/e', 'ns/d', 'ns/c', 'ns/b', 'ns/a'],
        persistentVolumesWithoutClaimRef: ['pv-static'],
        nodeVolumeNamesWithoutPV: [csiName('h')],
        persistentVolumeNamesWithoutPV: ['pv-gone'],
      },
      startedAt,
    );
    assert.equal(
      message,
      [
        'Waiting for Node volumes to be detached (started at 2024-10-09T16:13:59Z)',
        '* PersistentVolumeClaims: ns/a, ns/b, ns/c, ns/d, ns/e, ... (2 more)',
        '* PersistentVolumes without a .spec.claimRef to a PersistentVolumeClaim: pv-static',
        `* Node with .status.volumesAttached entries not matching a PersistentVolume: ${csiName('h')}`,
        '* VolumeAttachment with .spec.source.persistentVolumeName not matching a PersistentVolume: pv-gone',
      ].join('\n'),
    );
  });

  it('is empty when nothing is waited for', () => {
    assert.equal(volumeDetachConditionMessage(nothing, startedAt), '');
  });
});

describe('findVolumesWaitingForDetach', () => {
  it('asks for the drain verdict and lists PersistentVolumes only when something is attached', async () => {
    const fake = new FakeClient();
    let asked = 0;
    const podsForEviction = () => {
      asked++;
      return Promise.resolve([classified('ds-pod', DrainBehavior.Skip, ['ds-data'])]);
    };
    assert.deepEqual(
      await findVolumesWaitingForDetach({ node: node(), client: fake, podsForEviction }),
      nothing,
    );
    assert.equal(asked, 0);
    assert.deepEqual(
      fake.requestsOf('list').map((r) => r.type.kind),
      ['VolumeAttachment'],
    );

    fake.seed(attachment('va-1', 'pv-1'));
    fake.seed(attachment('va-2', 'pv-2'));
    fake.seed(pv('pv-1', { claim: 'default/ds-data' }));
    fake.seed(pv('pv-2', { claim: 'default/app-data' }));
    const waiting = await findVolumesWaitingForDetach({ node: node(), client: fake, podsForEviction });
    assert.deepEqual(waiting.persistentVolumeClaims, ['default/app-data']);
    assert.equal(asked, 1);
  });

  it('goes by the Node status alone when VolumeAttachments are not served', async () => {
    const fake = new FakeClient();
    fake.addReactor((r) => {
      if (r.verb === 'list' && r.type.kind === 'VolumeAttachment')
        throw new NoKindMatchError('storage.k8s.io/v1', 'VolumeAttachment');
    });
    fake.seed(pv('pv-1', { handle: 'h1', claim: 'default/data' }));
    const waiting = await findVolumesWaitingForDetach({
      node: node(csiName('h1')),
      client: fake,
      podsForEviction: () => Promise.resolve([]),
    });
    assert.deepEqual(waiting.persistentVolumeClaims, ['default/data']);
  });

  it('wraps a failing drain verdict like upstream', async () => {
    const fake = new FakeClient();
    fake.seed(attachment('va-1', 'pv-1'));
    await assert.rejects(
      findVolumesWaitingForDetach({
        node: node(),
        client: fake,
        podsForEviction: () => Promise.reject(new Error('rule selector invalid')),
      }),
      /^VolumeDetachError: failed to find PersistentVolumeClaims from Pods ignored during drain: rule selector invalid$/,
    );
  });
});
