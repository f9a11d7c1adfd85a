import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../controller-runtime/api/object.js';
import type { Client, ObjectList, WriteOptions } from '../controller-runtime/client/client.js';
import { clusterResourceSetCrd } from '../core/api/addons/v1beta2/cluster-resource-set-types.js';
import { CrdsNotEstablishedError, installCrds } from './install-crds.js';

/**
 * Just enough of a kube-apiserver for the installer: it defaults `spec.conversion` as the real one does,
 * and marks CRDs Established only when told to.
 */
class DefaultingServer {
  readonly objects = new Map<string, KubeObject>();
  writes = 0;
  establish = true;
  #rv = 1;

  #stored(obj: KubeObject, rv: string): KubeObject {
    const copy = structuredClone(obj);
    copy.spec = { conversion: { strategy: 'None' }, ...(copy.spec as object) };
    copy.metadata = { ...copy.metadata, resourceVersion: rv };
    copy.status = this.establish ? { conditions: [{ type: 'Established', status: 'True' }] } : {};
    return copy;
  }

  readonly client = {
    list: (): Promise<ObjectList> => Promise.resolve({ metadata: {}, items: [...this.objects.values()] }),
    get: (_type: unknown, key: { name: string }): Promise<KubeObject> => {
      const obj = this.objects.get(key.name);
      return obj ? Promise.resolve(structuredClone(obj)) : Promise.reject(new Error('not expected'));
    },
    create: (obj: KubeObject): Promise<KubeObject> => {
      const stored = this.#stored(obj, String(++this.#rv));
      this.objects.set(obj.metadata.name!, stored);
      this.writes++;
      return Promise.resolve(stored);
    },
    update: (obj: KubeObject, options: WriteOptions = {}): Promise<KubeObject> => {
      const stored = this.#stored(obj, options.dryRun ? obj.metadata.resourceVersion! : String(++this.#rv));
      if (!options.dryRun) {
        this.objects.set(obj.metadata.name!, stored);
        this.writes++;
      }
      return Promise.resolve(stored);
    },
  } as unknown as Client;
}

describe('installCrds against a server that defaults CRD fields', () => {
  it('does not count server defaults as a change, so restarts write nothing', async () => {
    const server = new DefaultingServer();
    const crds = [clusterResourceSetCrd()];
    assert.deepEqual((await installCrds(server.client, crds)).created, [crds[0]!.metadata.name]);
    const writes = server.writes;
    const again = await installCrds(server.client, crds);
    assert.deepEqual(again.unchanged, [crds[0]!.metadata.name]);
    assert.equal(server.writes, writes);
  });

  it('updates when our spec really differs, keeping the stored resourceVersion for the write', async () => {
    const server = new DefaultingServer();
    const crd = clusterResourceSetCrd();
    await installCrds(server.client, [crd]);
    const changed = structuredClone(crd);
    changed.spec.versions[0]!.additionalPrinterColumns = [];
    assert.deepEqual((await installCrds(server.client, [changed])).updated, [crd.metadata.name]);
    assert.deepEqual(
      (server.objects.get(crd.metadata.name)?.spec as typeof crd.spec).versions[0]?.additionalPrinterColumns,
      [],
    );
  });

  it('fails with the pending names when CRDs are not Established in time', async () => {
    const server = new DefaultingServer();
    server.establish = false;
    const crd = clusterResourceSetCrd();
    await assert.rejects(
      installCrds(server.client, [crd], { timeoutMs: 100 }),
      (err: unknown) => err instanceof CrdsNotEstablishedError && err.pending[0] === crd.metadata.name,
    );
  });
});
