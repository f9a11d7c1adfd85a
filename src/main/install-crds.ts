import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../controller-runtime/api/object.js';
import type { Client } from '../controller-runtime/client/client.js';
import { isAlreadyExists, isConflict, isNotFound } from '../controller-runtime/client/errors.js';
import type { CustomResourceDefinition } from '../core/api/openapi/crd.js';

const CRD_TYPE = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' } as const;
const MAX_ATTEMPTS = 5;

export interface InstallCrdsOptions {
  /** Sent as `fieldManager`, so `managedFields` show who installed the CRDs. */
  fieldManager?: string;
  /** How long to wait for every CRD to be Established (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** CRD names by what installing did to them. */
export interface InstallCrdsResult {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** A thrown error when the CRDs did not all become Established in time. */
export class CrdsNotEstablishedError extends Error {
  override readonly name = 'CrdsNotEstablishedError';
  readonly pending: string[];
  constructor(pending: string[], timeoutMs: number) {
    super(`CRDs not Established after ${timeoutMs} ms: ${pending.join(', ')}`);
    this.pending = pending;
  }
}

/**
 * Makes the API server serve exactly these CRDs, through any client (our embedded server or a real
 * kube-apiserver): creates the missing ones, updates in place (same object, resourceVersion-guarded) the
 * ones whose stored spec or labels differ, leaves the rest untouched, then waits until every one is
 * Established so callers can use the kinds at once. Running it again is a no-op.
 */
export async function installCrds(
  client: Client,
  crds: readonly CustomResourceDefinition[],
  options: InstallCrdsOptions = {},
): Promise<InstallCrdsResult> {
  const result: InstallCrdsResult = { created: [], updated: [], unchanged: [] };
  const write = {
    ...(options.fieldManager ? { fieldManager: options.fieldManager } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  // One list instead of a read per CRD: on a restart every CRD is usually there and unchanged.
  const listed = await client.list(CRD_TYPE, options.signal ? { signal: options.signal } : {});
  const stored = new Map(listed.items.map((item) => [item.metadata.name, item]));
  for (const crd of crds) {
    const outcome = await installOne(client, crd, stored.get(crd.metadata.name), write);
    result[outcome].push(crd.metadata.name);
  }
  await waitEstablished(
    client,
    crds.map((c) => c.metadata.name),
    options.timeoutMs ?? 30_000,
    options.signal,
  );
  // The new kinds are served now; a lookup made before they were (an "is it installed?" probe) must not linger.
  if (result.created.length > 0 || result.updated.length > 0) client.resetDiscovery?.();
  return result;
}

async function installOne(
  client: Client,
  crd: CustomResourceDefinition,
  listed: KubeObject | undefined,
  write: { fieldManager?: string; signal?: AbortSignal },
): Promise<keyof InstallCrdsResult> {
  const name = crd.metadata.name;
  let stored = listed;
  // A concurrent writer (another `capi up`, a user's kubectl) can win a race; re-read and decide again.
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      try {
        stored = await client.get(CRD_TYPE, { name }, { signal: write.signal });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        stored = undefined;
      }
    }
    if (!stored) {
      try {
        await client.create(toObject(crd, undefined), write);
        return 'created';
      } catch (err) {
        if (isAlreadyExists(err) && attempt < MAX_ATTEMPTS) continue;
        throw err;
      }
    }
    const desired = toObject(crd, stored);
    if (sameContent(desired, stored)) return 'unchanged';
    // A real kube-apiserver defaults CRD fields we leave out (conversion strategy, ...): before writing,
    // ask what it would store (a dry-run update) so defaults alone never count as a change.
    const wouldStore = await client.update(desired, { ...write, dryRun: true });
    if (sameContent(wouldStore, stored)) return 'unchanged';
    try {
      await client.update(desired, write);
      return 'updated';
    } catch (err) {
      if (isConflict(err) && attempt < MAX_ATTEMPTS) continue;
      throw err;
    }
  }
}

/**
 * The object to send: our spec and labels over the stored object's metadata, so resourceVersion (and
 * anything others added, such as their own labels or annotations) is kept.
 */
function toObject(crd: CustomResourceDefinition, stored: KubeObject | undefined): KubeObject {
  const metadata = { ...stored?.metadata, name: crd.metadata.name };
  const labels = { ...metadata.labels, ...crd.metadata.labels };
  const annotations = { ...metadata.annotations, ...crd.metadata.annotations };
  if (Object.keys(labels).length) metadata.labels = labels;
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  return { apiVersion: crd.apiVersion, kind: crd.kind, metadata, spec: crd.spec };
}

function sameContent(a: KubeObject, b: KubeObject): boolean {
  const meta = (o: KubeObject): unknown => ({
    labels: o.metadata.labels ?? {},
    annotations: o.metadata.annotations ?? {},
  });
  return isDeepStrictEqual(a.spec, b.spec) && isDeepStrictEqual(meta(a), meta(b));
}

interface CrdStatus {
  conditions?: { type: string; status: string }[];
}

async function waitEstablished(
  client: Client,
  names: string[],
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = new Set(names);
  for (;;) {
    const list = await client.list(CRD_TYPE, signal ? { signal } : {});
    const established = new Set(
      list.items
        .filter((crd) =>
          ((crd.status as CrdStatus | undefined)?.conditions ?? []).some(
            (c) => c.type === 'Established' && c.status === 'True',
          ),
        )
        .map((crd) => crd.metadata.name),
    );
    pending = new Set([...pending].filter((name) => !established.has(name)));
    if (pending.size === 0) return;
    if (Date.now() >= deadline) throw new CrdsNotEstablishedError([...pending], timeoutMs);
    signal?.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
