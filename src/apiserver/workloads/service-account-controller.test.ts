import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startEmbeddedApiServer, type EmbeddedApiServer } from '../embedded/embedded-api-server.js';
import { SYSTEM_NAMESPACES } from '../embedded/seed.js';
import { internalScope } from '../registry/generic-registry.js';
import type { ResourceDefinition } from '../registry/resource-definition.js';
import { ServiceAccountController } from './service-account-controller.js';

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('ServiceAccountController', () => {
  let dataDir: string;
  let server: EmbeddedApiServer;
  let controller: ServiceAccountController;
  let saDef: ResourceDefinition;
  let nsDef: ResourceDefinition;
  const scope = internalScope('test');

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-service-accounts-'));
    server = await startEmbeddedApiServer({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      inMemory: true,
      workloadControllers: false,
    });
    saDef = server.catalog.get('', 'v1', 'serviceaccounts')!;
    nsDef = server.catalog.get('', 'v1', 'namespaces')!;
    // A namespace that exists before the controller starts.
    await server.registry.create(nsDef, undefined, { metadata: { name: 'before-start' } }, scope);
    controller = new ServiceAccountController(server.registry, server.catalog);
    controller.start();
  });
  after(async () => {
    await controller?.stop();
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const defaultAccount = (ns: string) => server.registry.tryGet(saDef, ns, 'default');

  it('gives every namespace that exists at start a default service account', async () => {
    for (const ns of [...SYSTEM_NAMESPACES, 'before-start'])
      await waitFor(`default SA in ${ns}`, () => defaultAccount(ns) !== undefined);
    const sa = defaultAccount('before-start')!;
    assert.equal(sa.kind, 'ServiceAccount');
    assert.ok(sa.metadata?.uid);
  });

  it('creates one in a new namespace, and again after it is deleted', async () => {
    await server.registry.create(nsDef, undefined, { metadata: { name: 'fresh' } }, scope);
    await waitFor('default SA in fresh', () => defaultAccount('fresh') !== undefined);
    const first = defaultAccount('fresh')!.metadata!.uid;
    await server.registry.delete(saDef, 'fresh', 'default', {}, scope);
    await waitFor('a new default SA', () => {
      const uid = defaultAccount('fresh')?.metadata?.uid;
      return uid !== undefined && uid !== first;
    });
  });

  it('leaves an existing default service account alone', async () => {
    await server.registry.create(nsDef, undefined, { metadata: { name: 'custom' } }, scope);
    await waitFor('default SA in custom', () => defaultAccount('custom') !== undefined);
    await server.registry.mutate(
      saDef,
      'custom',
      'default',
      (sa) => {
        sa.automountServiceAccountToken = false;
        return true;
      },
      'test',
    );
    const rv = defaultAccount('custom')!.metadata!.resourceVersion;
    await server.registry.mutate(
      nsDef,
      undefined,
      'custom',
      (ns) => {
        ns.metadata!.labels = { touched: 'yes' };
        return true;
      },
      'test',
    );
    await sleep(100);
    await controller.idle();
    assert.equal(defaultAccount('custom')!.metadata!.resourceVersion, rv);
    assert.equal(defaultAccount('custom')!.automountServiceAccountToken, false);
  });

  it('creates none in a terminating namespace', async () => {
    await server.registry.create(nsDef, undefined, { metadata: { name: 'doomed' } }, scope);
    await waitFor('default SA in doomed', () => defaultAccount('doomed') !== undefined);
    // A ConfigMap with a finalizer keeps the namespace Terminating while its content is removed.
    const cmDef = server.catalog.get('', 'v1', 'configmaps')!;
    await server.registry.create(
      cmDef,
      'doomed',
      { metadata: { name: 'hold', finalizers: ['example.com/hold'] } },
      scope,
    );
    await server.registry.delete(nsDef, undefined, 'doomed', {}, scope);
    await waitFor(
      'the namespace controller to delete the default SA',
      () => defaultAccount('doomed') === undefined,
    );
    await sleep(300);
    await controller.idle();
    const ns = server.registry.tryGet(nsDef, undefined, 'doomed');
    assert.equal((ns?.status as { phase?: string }).phase, 'Terminating');
    assert.equal(defaultAccount('doomed'), undefined, 'not recreated while the namespace terminates');

    await server.registry.mutate(
      cmDef,
      'doomed',
      'hold',
      (cm) => {
        cm.metadata!.finalizers = [];
        return true;
      },
      'test',
    );
    await waitFor(
      'the namespace to go',
      () => server.registry.tryGet(nsDef, undefined, 'doomed') === undefined,
    );
    assert.equal(defaultAccount('doomed'), undefined);
  });
});
