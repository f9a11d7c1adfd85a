import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { internalScope } from '../registry/generic-registry.js';
import { startEmbeddedApiServer, type EmbeddedApiServer } from './embedded-api-server.js';
import { buildWiring } from './wiring.js';

describe('embedded API server wiring', () => {
  it('compiles the schema of every built-in kind (writes would fail at run time otherwise)', () => {
    const wiring = buildWiring();
    const failures: string[] = [];
    for (const def of wiring.builtins) {
      try {
        wiring.schemaFor(def);
      } catch (err) {
        failures.push(`${def.group}/${def.plural}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});

describe('events: one storage, two views', () => {
  let server: EmbeddedApiServer;
  before(async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-events-'));
    server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
  });
  after(async () => {
    await server?.stop();
  });

  it('serves a core/v1 Event through events.k8s.io/v1 and back', async () => {
    const core = server.catalog.get('', 'v1', 'events')!;
    const v1 = server.catalog.get('events.k8s.io', 'v1', 'events')!;
    const scope = internalScope('test');
    await server.registry.create(
      core,
      'default',
      {
        metadata: { name: 'e1' },
        involvedObject: { kind: 'ConfigMap', name: 'cm1', namespace: 'default', apiVersion: 'v1' },
        reason: 'Tested',
        message: 'hello',
        type: 'Normal',
        source: { component: 'test' },
      },
      scope,
    );
    const viaV1 = server.registry.get(v1, 'default', 'e1');
    assert.equal(viaV1.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual((viaV1 as { regarding?: { name?: string } }).regarding?.name, 'cm1');
    assert.equal((viaV1 as { note?: string }).note, 'hello');
    const list = await server.registry.list(v1, { namespace: 'default' });
    assert.deepEqual(
      list.items.map((i) => i.metadata?.name),
      ['e1'],
    );

    await server.registry.create(
      v1,
      'default',
      {
        metadata: { name: 'e2' },
        eventTime: '2026-01-01T00:00:00.000000Z',
        reportingController: 'capi.test/controller',
        reportingInstance: 'i1',
        action: 'Testing',
        reason: 'Tested',
        type: 'Warning',
        note: 'from v1',
        regarding: { kind: 'ConfigMap', name: 'cm2', namespace: 'default', apiVersion: 'v1' },
      },
      scope,
    );
    const viaCore = server.registry.get(core, 'default', 'e2') as {
      message?: string;
      involvedObject?: { name?: string };
    };
    assert.equal(viaCore.message, 'from v1');
    assert.equal(viaCore.involvedObject?.name, 'cm2');
  });
});
