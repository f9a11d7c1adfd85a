// Test support for the workload simulation's tests: a fresh in-memory API server per test, the Nodes and Pods
// those tests create, and polling. Not a test file itself (the runner picks up `*.test.ts` only).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type EmbeddedApiServer,
  startEmbeddedApiServer,
} from '../../../../../apiserver/embedded/embedded-api-server.js';
import { type GenericRegistry, internalScope } from '../../../../../apiserver/registry/generic-registry.js';
import type { ResourceCatalog } from '../../../../../apiserver/registry/resource-catalog.js';
import type {
  KubeObject,
  ResourceDefinition,
} from '../../../../../apiserver/registry/resource-definition.js';
import { POD_PREFIX } from './pod-helpers.js';
import type { Taint } from './pod-scheduler.js';
import { setNodeReady } from './workload-simulation.js';

/** The identity the tests write as. */
export const scope = internalScope('test');

/**
 * Polls `check` until it returns something other than undefined or false, and returns that. The components
 * react to store events on later turns, so tests wait for an outcome instead of for a component.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface TestNodeOptions {
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  podCIDR?: string;
  /** The node's InternalIP (default 172.18.0.9). */
  address?: string;
  /** The Ready condition, as `setNodeReady` writes it (default true). */
  ready?: boolean;
}

/** What runs against each test's server: a component, or the whole simulation. */
export interface Running {
  stop(): Promise<void>;
}

/** The server of the current test and what `run` started on it. */
interface TestState<R> {
  server: EmbeddedApiServer;
  running: R;
}

/**
 * The API server of the current test and helpers bound to it. Valid only while a test runs: each test gets
 * a new server.
 */
export class TestCluster<R extends Running | undefined> {
  readonly #current: () => TestState<R> | undefined;

  constructor(current: () => TestState<R> | undefined) {
    this.#current = current;
  }

  get server(): EmbeddedApiServer {
    return this.#state().server;
  }

  get registry(): GenericRegistry {
    return this.server.registry;
  }

  get catalog(): ResourceCatalog {
    return this.server.catalog;
  }

  /** What `run` started for this test. */
  get running(): R {
    return this.#state().running;
  }

  def(group: string, version: string, plural: string): ResourceDefinition {
    const def = this.catalog.get(group, version, plural);
    if (!def) throw new Error(`the server does not serve ${group || 'core'}/${version} ${plural}`);
    return def;
  }

  get podDef(): ResourceDefinition {
    return this.def('', 'v1', 'pods');
  }

  get nodeDef(): ResourceDefinition {
    return this.def('', 'v1', 'nodes');
  }

  /** A Node as a kubelet registers it: hostname label, InternalIP and Hostname addresses, then Ready. */
  async createNode(name: string, o: TestNodeOptions = {}): Promise<void> {
    await this.registry.create(
      this.nodeDef,
      undefined,
      {
        metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
        spec: {
          ...(o.taints ? { taints: o.taints } : {}),
          ...(o.unschedulable ? { unschedulable: true } : {}),
          ...(o.podCIDR ? { podCIDR: o.podCIDR, podCIDRs: [o.podCIDR] } : {}),
        },
      },
      scope,
    );
    // A kubelet reports status once the Node is registered.
    await this.registry.mutate(
      this.nodeDef,
      undefined,
      name,
      (node) => {
        node.status = {
          addresses: [
            { type: 'InternalIP', address: o.address ?? '172.18.0.9' },
            { type: 'Hostname', address: name },
          ],
        };
        return true;
      },
      'test',
    );
    await setNodeReady(this.registry, this.catalog, name, o.ready ?? true);
  }

  /** A merge patch of a Node, as `kubectl cordon` or `kubectl taint` sends. */
  patchNode(name: string, patch: Record<string, unknown>) {
    return this.registry.patch(this.nodeDef, undefined, name, 'merge', patch, scope);
  }

  /** A pod in `default` with one container `app` (nginx) unless `spec` says otherwise. */
  createPod(name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) {
    return this.registry.create(
      this.podDef,
      'default',
      { metadata: { name, ...metadata }, spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec } },
      scope,
    );
  }

  getPod(name: string): KubeObject | undefined {
    return this.registry.tryGet(this.podDef, 'default', name);
  }

  /** The pods of a namespace as stored, terminating ones included. */
  storedPods(namespace: string): KubeObject[] {
    return this.registry.store
      .range(`${POD_PREFIX}${namespace}/`)
      .kvs.map((kv) => JSON.parse(kv.value) as KubeObject);
  }

  #state(): TestState<R> {
    const state = this.#current();
    if (!state) throw new Error('the test cluster exists only while a test runs');
    return state;
  }
}

/**
 * Registers hooks in the calling `describe` that give each test a fresh in-memory embedded API server, with
 * what `run` starts on it, and remove both afterwards.
 */
export function useTestCluster(): TestCluster<undefined>;
export function useTestCluster<R extends Running>(run: (server: EmbeddedApiServer) => R): TestCluster<R>;
export function useTestCluster<R extends Running>(
  run?: (server: EmbeddedApiServer) => R,
): TestCluster<R | undefined> {
  let dataDir: string | undefined;
  let state: TestState<R | undefined> | undefined;
  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'capi-sim-workload-'));
    const server = await startEmbeddedApiServer({ dataDir, host: '127.0.0.1', port: 0, inMemory: true });
    state = { server, running: run?.(server) };
  });
  afterEach(async () => {
    // What runs against the server goes first, so that no write of it meets a stopped server.
    await state?.running?.stop();
    await state?.server.stop();
    state = undefined;
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return new TestCluster(() => state);
}
