import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { moveFromDirectory, moveToDirectory } from './directory.js';
import { MoveDirectoryError } from './errors.js';
import {
  CLUSTER,
  createClusterFixture,
  createUnrelated,
  snapshot,
  startPlane,
  type Plane,
} from './test-helpers.js';
import { MoveAnnotation } from './well-known.js';

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

describe('moveToDirectory / moveFromDirectory', () => {
  let from: Plane;
  let to: Plane;
  let dir: string;
  let n = 0;
  before(async () => {
    [from, to] = await Promise.all([startPlane(), startPlane()]);
    dir = await mkdtemp(path.join(tmpdir(), 'capi-move-dir-'));
  });
  after(async () => {
    await Promise.all([from.stop(), to.stop(), rm(dir, { recursive: true, force: true })]);
  });

  async function scenario(): Promise<string> {
    const ns = `dir-${++n}`;
    await from.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await createClusterFixture(from.client, ns, 'alpha');
    await createClusterFixture(from.client, ns, 'beta', { workers: 1, paused: true });
    await createUnrelated(from.client, ns);
    return ns;
  }

  it('backs up to one file per object, leaves the source running, and restores it elsewhere', async () => {
    const ns = await scenario();
    const backup = path.join(dir, ns);
    const before = await snapshot(from.client, ns);
    const result = await moveToDirectory({ from: from.client, directory: backup, namespace: ns });

    // The source keeps its clusters, in the state the user had them.
    const source = await snapshot(from.client, ns);
    assert.deepEqual([...source.objects.keys()].sort(), [...before.objects.keys()].sort());
    assert.deepEqual(source.objects.get(`Cluster/${ns}/alpha`), before.objects.get(`Cluster/${ns}/alpha`));
    assert.deepEqual(source.objects.get(`Cluster/${ns}/beta`), before.objects.get(`Cluster/${ns}/beta`));

    const files = (await readdir(backup)).sort();
    assert.deepEqual(files, [...result.files].sort());
    assert.ok(files.includes(`Cluster_${ns}_alpha.yaml`) && files.includes(`Secret_${ns}_alpha-sa.yaml`));
    assert.ok(!files.some((f) => f.includes('user-credentials') || f.includes('ghost-ca')));
    const machine = parse(
      await readFile(path.join(backup, `Machine_${ns}_alpha-cp-0.yaml`), 'utf8'),
    ) as KubeObject;
    assert.equal(
      (machine.status as { nodeRef?: { name: string } }).nodeRef?.name,
      'alpha-cp-0',
      'status kept',
    );
    assert.equal(machine.metadata.uid, before.uids.get(`Machine/${ns}/alpha-cp-0`), 'source UID kept');
    assert.equal(
      machine.metadata.ownerReferences?.[0]?.uid,
      before.uids.get(`KubeadmControlPlane/${ns}/alpha-cp`),
    );

    const restored = await moveFromDirectory({ to: to.client, directory: backup });
    assert.equal(restored.created, files.length);
    const target = await snapshot(to.client, ns);
    const moved = [...before.objects.keys()].filter((k) => !/user-credentials|ghost-ca|app-settings/.test(k));
    assert.deepEqual([...target.objects.keys()].sort(), moved.sort());
    for (const k of moved) assert.deepEqual(target.objects.get(k), before.objects.get(k), k);
    // Every field goes back to its manager (Clusters excepted: the restore itself writes to them).
    for (const k of moved.filter((key) => !key.startsWith('Cluster/')))
      assert.deepEqual(target.managedFields.get(k), before.managedFields.get(k), `managedFields of ${k}`);
    const beta = await to.client.get(CLUSTER, { namespace: ns, name: 'beta' });
    assert.equal((beta.spec as { paused?: boolean }).paused, true, 'paused before the backup: paused after');
    assert.equal(beta.metadata.annotations?.[MoveAnnotation.Incoming], undefined);

    // Restoring again finds everything done.
    const again = await moveFromDirectory({ to: to.client, directory: backup });
    assert.equal(again.created, 0);
  });

  it('resumes a backup and a restore interrupted midway', async () => {
    const ns = await scenario();
    const backup = path.join(dir, ns);
    const before = await snapshot(from.client, ns);
    const stopAt = (at: string, nth: number) => {
      let seen = 0;
      return (step: string) => {
        if (step.startsWith(at) && ++seen === nth) throw new Interrupted(step);
      };
    };
    await assert.rejects(
      moveToDirectory({
        from: from.client,
        directory: backup,
        namespace: ns,
        failpoint: stopAt('write:', 10),
      }),
      Interrupted,
    );
    const alpha = await from.client.get(CLUSTER, { namespace: ns, name: 'alpha' });
    assert.equal((alpha.spec as { paused?: boolean }).paused, true, 'paused while being read');
    await moveToDirectory({ from: from.client, directory: backup, namespace: ns });
    const source = await snapshot(from.client, ns);
    assert.deepEqual(source.objects.get(`Cluster/${ns}/alpha`), before.objects.get(`Cluster/${ns}/alpha`));
    assert.deepEqual(source.objects.get(`Cluster/${ns}/beta`), before.objects.get(`Cluster/${ns}/beta`));

    for (const failpoint of [stopAt('create:', 25), stopAt('unpause:', 1)]) {
      await assert.rejects(moveFromDirectory({ to: to.client, directory: backup, failpoint }), Interrupted);
      const c = await to.client.get(CLUSTER, { namespace: ns, name: 'alpha' });
      assert.equal((c.spec as { paused?: boolean }).paused, true, 'an unfinished restore stays paused');
    }
    await moveFromDirectory({ to: to.client, directory: backup });
    const target = await snapshot(to.client, ns);
    for (const k of target.objects.keys()) assert.deepEqual(target.objects.get(k), before.objects.get(k), k);
    assert.equal(target.objects.size, before.objects.size - 3);
  });

  it('names the file that cannot be restored', async () => {
    const broken = await mkdtemp(path.join(dir, 'broken-'));
    await writeFile(
      path.join(broken, 'Cluster_x_y.yaml'),
      'apiVersion: cluster.x-k8s.io/v1beta2\nkind: Cluster\nmetadata: {name: y}\n',
    );
    await assert.rejects(
      moveFromDirectory({ to: to.client, directory: broken }),
      (err: unknown) =>
        err instanceof MoveDirectoryError &&
        err.file === path.join(broken, 'Cluster_x_y.yaml') &&
        /metadata.namespace, metadata.uid/.test(err.message),
    );
    await writeFile(path.join(broken, 'Cluster_x_y.yaml'), 'kind: [unclosed\n');
    await assert.rejects(
      moveFromDirectory({ to: to.client, directory: broken }),
      (err: unknown) =>
        err instanceof MoveDirectoryError && err.message.startsWith(path.join(broken, 'Cluster_x_y.yaml')),
    );
    const empty = await mkdtemp(path.join(dir, 'empty-'));
    await assert.rejects(moveFromDirectory({ to: to.client, directory: empty }), /holds no .yaml files/);
  });
});
