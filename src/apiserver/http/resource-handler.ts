import type { IncomingMessage, ServerResponse } from 'node:http';
import { statusErrors, StatusError } from '../errors/status-error.js';
import {
  type DeleteOptions,
  type GenericRegistry,
  type PatchType,
  type RequestScope,
  apiVersionOf,
  groupResource,
} from '../registry/generic-registry.js';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { labelSelectorString } from '../builtins/index.js';
import { getAtPath, setAtPath } from '../util/json-path-value.js';
import { WatchStream, type WatchEvent } from '../watch/watch-stream.js';
import { decodeJsonOrYaml, readBody } from './request-body.js';
import { type MediaRange, mediaType, negotiate, parseAccept } from './negotiation.js';
import { writeJson } from './respond.js';
import type { TableBuilder } from './table.js';

/** The parts of a resource request the handler needs (from auth/request-info). */
export interface ResourceRequest {
  verb: string;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  user: { name: string; groups: string[] };
  userAgent: string;
}

/** Decodes built-in kinds sent as Kubernetes protobuf (kubectl >= 1.32 imperative commands). */
export type ProtobufDecoder = (body: Uint8Array) => { apiVersion: string; kind: string; object: KubeObject };

/** Answers a request to a subresource the generic registry does not know (eviction, token, finalize). */
export type SubresourceHandler = (ctx: {
  def: ResourceDefinition;
  req: ResourceRequest;
  body: () => Promise<KubeObject>;
  scope: RequestScope;
}) => Promise<{ code: number; body: unknown }>;

export interface ResourceHandlerOptions {
  registry: GenericRegistry;
  tables: TableBuilder;
  /** Compiles `labelSelector` and `fieldSelector` into one predicate; throws a 400 StatusError. */
  selectorFor: (
    def: ResourceDefinition,
    labelSelector: string | null,
    fieldSelector: string | null,
  ) => ((obj: KubeObject) => boolean) | undefined;
  decodeProtobuf?: ProtobufDecoder;
  subresources?: Record<string, SubresourceHandler>;
  /** Validates MicroTime/Time formats before decoding (Lease, Event); returns a 400 message. */
  checkWireFormat?: (def: ResourceDefinition, obj: KubeObject) => string | undefined;
  bookmarkIntervalMs?: number;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

const BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

/** Serves get/list/watch/create/update/patch/delete/deletecollection for one resource definition. */
export class ResourceHandler {
  #o: ResourceHandlerOptions;

  constructor(options: ResourceHandlerOptions) {
    this.#o = options;
  }

  async handle(
    def: ResourceDefinition,
    r: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const accept = parseAccept(req.headers.accept);
    const scope = this.#scope(r);
    const sub = r.subresource;
    if (sub && sub !== 'status' && sub !== 'scale') {
      const handler = this.#o.subresources?.[`${def.plural}/${sub}`];
      const known = def.subresources.others?.some((s) => s.name === sub);
      if (!handler || !known) throw statusErrors.notFoundPath();
      const out = await handler({ def, req: r, body: () => this.#readObject(def, req, 'object'), scope });
      return this.#send(res, out.code, out.body, scope);
    }
    if (sub === 'status' && !def.subresources.status) throw statusErrors.notFoundPath();
    if (sub === 'scale' && !def.subresources.scale) throw statusErrors.notFoundPath();
    if (!def.verbs.includes(r.verb) && !(sub && ['get', 'update', 'patch'].includes(r.verb)))
      throw statusErrors.methodNotAllowed(`the server does not allow this method on the requested resource`);

    switch (r.verb) {
      case 'get':
        return this.#get(def, r, accept, res, scope);
      case 'list':
        return this.#list(def, r, accept, res, scope);
      case 'watch':
        return this.#watch(def, r, accept, req, res);
      case 'create':
        return this.#create(def, r, req, res, scope);
      case 'update':
        return this.#update(def, r, req, res, scope);
      case 'patch':
        return this.#patch(def, r, req, res, scope);
      case 'delete':
        return this.#delete(def, r, req, res, scope);
      case 'deletecollection':
        return this.#deleteCollection(def, r, req, res, scope);
      default:
        throw statusErrors.methodNotAllowed(
          `the server does not allow this method on the requested resource`,
        );
    }
  }

  #scope(r: ResourceRequest): RequestScope {
    const q = r.query;
    const dryRun = q.getAll('dryRun');
    for (const d of dryRun)
      if (d !== 'All')
        throw statusErrors.badRequest(`dryRun: Unsupported value: "${d}": supported values: "All"`);
    const fv = q.get('fieldValidation') ?? 'Strict';
    if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore')
      throw statusErrors.badRequest(
        `fieldValidation: Unsupported value: "${fv}": supported values: "Ignore", "Strict", "Warn"`,
      );
    const manager = q.get('fieldManager') ?? (r.userAgent.split('/')[0] || 'unknown');
    if (manager.length > 128)
      throw statusErrors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return {
      user: r.user,
      dryRun: dryRun.length > 0,
      fieldManager: manager,
      fieldValidation: fv,
      warnings: [],
    };
  }

  #send(
    res: ServerResponse,
    code: number,
    body: unknown,
    scope?: RequestScope,
    contentType = 'application/json',
  ): void {
    const headers: Record<string, string> = {};
    if (scope && scope.warnings.length > 0)
      headers.Warning = scope.warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ');
    writeJson(res, code, body, contentType, headers);
  }

  async #readObject(def: ResourceDefinition, req: IncomingMessage, what: string): Promise<KubeObject> {
    const body = await readBody(req);
    const media = mediaType(req.headers['content-type']);
    let obj: unknown;
    if (media === 'application/vnd.kubernetes.protobuf') {
      if (!this.#o.decodeProtobuf)
        throw statusErrors.unsupportedMediaType(media, ['application/json', 'application/yaml']);
      if (def.group.includes('.') && !def.group.endsWith('.k8s.io'))
        throw statusErrors.unsupportedMediaType(media, ['application/json', 'application/yaml']);
      obj = this.#o.decodeProtobuf(body).object;
    } else if (media === '' || BODY_TYPES.includes(media)) {
      obj = decodeJsonOrYaml(body, media, what);
    } else {
      throw statusErrors.unsupportedMediaType(media, [
        'application/json',
        'application/yaml',
        'application/vnd.kubernetes.protobuf',
      ]);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw statusErrors.badRequest(`the ${what} must be a JSON object`);
    const problem = this.#o.checkWireFormat?.(def, obj as KubeObject);
    if (problem) throw statusErrors.badRequest(problem);
    return obj as KubeObject;
  }

  // ------------------------------------------------------------------ reads

  #get(
    def: ResourceDefinition,
    r: ResourceRequest,
    accept: MediaRange[],
    res: ServerResponse,
    scope: RequestScope,
  ): void {
    const obj = this.#o.registry.get(def, r.namespace, r.name!);
    if (r.subresource === 'scale') return this.#send(res, 200, scaleOf(def, obj), scope);
    const shape = negotiate(accept, { table: true, partialMetadata: true }) ?? { kind: 'json' };
    if (shape.kind === 'table') {
      const table = this.#o.tables.build(
        def,
        [obj],
        { resourceVersion: obj.metadata?.resourceVersion ?? '' },
        includeObject(r.query),
        true,
      );
      return this.#send(res, 200, table, scope, `application/json;as=Table;v=${shape.version};g=meta.k8s.io`);
    }
    if (shape.kind === 'partialMetadata')
      return this.#send(
        res,
        200,
        partial(obj, shape.version),
        scope,
        `application/json;as=PartialObjectMetadata;v=${shape.version};g=meta.k8s.io`,
      );
    return this.#send(res, 200, obj, scope);
  }

  async #list(
    def: ResourceDefinition,
    r: ResourceRequest,
    accept: MediaRange[],
    res: ServerResponse,
    scope: RequestScope,
  ): Promise<void> {
    const q = r.query;
    if (q.get('sendInitialEvents') !== null)
      throw statusErrors.invalid('', 'ListOptions', '', [
        {
          type: 'FieldValueForbidden',
          field: 'sendInitialEvents',
          detail: 'Forbidden: sendInitialEvents is forbidden for list',
        },
      ]);
    const filter = this.#o.selectorFor(def, q.get('labelSelector'), q.get('fieldSelector'));
    const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0))
      throw statusErrors.badRequest(
        `limit: Invalid value: "${q.get('limit')}": must be a non-negative integer`,
      );
    const rvm = q.get('resourceVersionMatch');
    if (rvm !== null && rvm !== 'Exact' && rvm !== 'NotOlderThan')
      throw statusErrors.badRequest(
        `resourceVersionMatch: Unsupported value: "${rvm}": supported values: "Exact", "NotOlderThan"`,
      );
    const result = await this.#o.registry.list(def, {
      namespace: r.namespace,
      ...(filter ? { filter, filtered: true } : {}),
      ...(limit ? { limit } : {}),
      ...(q.get('continue') ? { continueToken: q.get('continue')! } : {}),
      ...(q.get('resourceVersion') !== null ? { resourceVersion: q.get('resourceVersion')! } : {}),
      ...(rvm ? { resourceVersionMatch: rvm } : {}),
    });
    const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) listMeta.continue = result.continue;
    if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
    const shape = negotiate(accept, { table: true, partialMetadata: true }) ?? { kind: 'json' };
    if (shape.kind === 'table') {
      const table = this.#o.tables.build(def, result.items, listMeta, includeObject(q), true);
      return this.#send(res, 200, table, scope, `application/json;as=Table;v=${shape.version};g=meta.k8s.io`);
    }
    if (shape.kind === 'partialMetadata') {
      return this.#send(
        res,
        200,
        {
          kind: 'PartialObjectMetadataList',
          apiVersion: `meta.k8s.io/${shape.version}`,
          metadata: listMeta,
          items: result.items.map((o) => partial(o, shape.version)),
        },
        scope,
        `application/json;as=PartialObjectMetadataList;v=${shape.version};g=meta.k8s.io`,
      );
    }
    return this.#send(
      res,
      200,
      { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta, items: result.items },
      scope,
    );
  }

  async #watch(
    def: ResourceDefinition,
    r: ResourceRequest,
    accept: MediaRange[],
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const q = r.query;
    let filter = this.#o.selectorFor(def, q.get('labelSelector'), q.get('fieldSelector'));
    if (r.name) {
      const name = r.name;
      const inner = filter;
      filter = (o) => o.metadata?.name === name && (!inner || inner(o));
    }
    const shape = negotiate(accept, { table: true }) ?? { kind: 'json' };
    const timeoutParam = q.get('timeoutSeconds');
    const timeoutSeconds = timeoutParam ? Number(timeoutParam) : 1800 + Math.floor(Math.random() * 1800);
    const sendInitial = q.get('sendInitialEvents') === 'true';
    const allowBookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    if (sendInitial && !allowBookmarks)
      throw statusErrors.badRequest('sendInitialEvents requires setting allowWatchBookmarks to true');

    const contentType =
      shape.kind === 'table'
        ? `application/json;as=Table;v=${shape.version};g=meta.k8s.io`
        : 'application/json';
    // Headers go out at once: informers block until they see them.
    res.writeHead(200, {
      'Content-Type': contentType,
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    let first = true;
    const write = (e: WatchEvent): void => {
      let object: unknown = e.object;
      if (shape.kind === 'table' && (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED')) {
        object = this.#o.tables.build(
          def,
          [e.object],
          { resourceVersion: e.object.metadata?.resourceVersion ?? '' },
          includeObject(q),
          first,
        );
        first = false;
      }
      res.write(JSON.stringify({ type: e.type, object }) + '\n');
    };
    await new Promise<void>((resolve) => {
      const timer: { handle?: NodeJS.Timeout } = {};
      const stream = new WatchStream(
        this.#o.registry,
        {
          def,
          namespace: r.namespace,
          ...(filter ? { matches: filter } : {}),
          resourceVersion: q.get('resourceVersion') ?? undefined,
          sendInitialEvents: sendInitial,
          allowBookmarks,
          bookmarkIntervalMs: this.#o.bookmarkIntervalMs ?? 60_000,
        },
        write,
        () => {
          clearTimeout(timer.handle);
          if (!res.writableEnded) res.end();
          resolve();
        },
      );
      timer.handle = setTimeout(() => stream.stop(), Math.max(1, timeoutSeconds) * 1000);
      res.on('close', () => stream.stop());
      try {
        stream.start();
      } catch (err) {
        const status = err instanceof StatusError ? err.status : statusErrors.internal(String(err)).status;
        res.write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
        stream.stop();
      }
    });
  }

  // ------------------------------------------------------------------ writes

  async #create(
    def: ResourceDefinition,
    r: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
  ): Promise<void> {
    if (r.name && !r.subresource)
      throw statusErrors.methodNotAllowed('the server does not allow this method on the requested resource');
    const obj = await this.#readObject(def, req, 'object');
    const created = await this.#o.registry.create(def, r.namespace, obj, scope);
    this.#send(res, 201, created, scope);
  }

  async #update(
    def: ResourceDefinition,
    r: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
  ): Promise<void> {
    if (r.subresource === 'scale') {
      const scale = await this.#readObject(def, req, 'Scale');
      const result = await this.#writeScale(def, r, scale, scope);
      return this.#send(res, 200, result, scope);
    }
    const obj = await this.#readObject(def, req, 'object');
    const out = await this.#o.registry.update(
      def,
      r.namespace,
      r.name!,
      obj,
      scope,
      r.subresource === 'status' ? 'status' : undefined,
    );
    this.#send(res, out.created ? 201 : 200, out.object, scope);
  }

  async #writeScale(
    def: ResourceDefinition,
    r: ResourceRequest,
    scale: KubeObject,
    scope: RequestScope,
  ): Promise<unknown> {
    const spec = def.subresources.scale!;
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas))
      throw statusErrors.badRequest(
        `the spec replicas field ${JSON.stringify(spec.specReplicasPath)} cannot be empty`,
      );
    if (replicas < 0)
      throw statusErrors.invalid('autoscaling', 'Scale', r.name!, [
        {
          type: 'FieldValueInvalid',
          field: 'spec.replicas',
          detail: `Invalid value: ${replicas}: must be greater than or equal to 0`,
        },
      ]);
    const current = this.#o.registry.get(def, r.namespace, r.name!);
    const rv = scale.metadata?.resourceVersion;
    if (rv && rv !== current.metadata?.resourceVersion)
      throw statusErrors.modified(groupResource(def), r.name!);
    const next = structuredClone(current);
    setAtPath(next, spec.specReplicasPath, replicas);
    const out = await this.#o.registry.update(def, r.namespace, r.name!, next, scope);
    return scaleOf(def, out.object);
  }

  async #patch(
    def: ResourceDefinition,
    r: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
  ): Promise<void> {
    const media = mediaType(req.headers['content-type']);
    const type = PATCH_TYPES[media];
    if (!type)
      throw statusErrors.unsupportedMediaType(media, [
        'application/json-patch+json',
        'application/merge-patch+json',
        'application/apply-patch+yaml',
        ...(def.strategicMerge ? ['application/strategic-merge-patch+json'] : []),
      ]);
    const force = r.query.get('force');
    if (force !== null && type !== 'apply')
      throw statusErrors.badRequest('force: Forbidden: may not be specified for non-apply patch');
    if (type === 'apply' && !r.query.get('fieldManager'))
      throw statusErrors.invalid('meta.k8s.io', 'PatchOptions', '', [
        {
          type: 'FieldValueRequired',
          field: 'fieldManager',
          detail: 'Required value: is required for apply patch',
        },
      ]);
    const body = await readBody(req);
    const patch = decodeJsonOrYaml(body, media, 'patch');
    if (r.subresource === 'scale') {
      if (type === 'strategic' || type === 'apply')
        throw statusErrors.unsupportedMediaType(media, [
          'application/json-patch+json',
          'application/merge-patch+json',
        ]);
      const current = scaleOf(def, this.#o.registry.get(def, r.namespace, r.name!));
      const { applyMergePatch } = await import('../util/json-merge-patch.js');
      let patched: KubeObject;
      if (type === 'merge') patched = applyMergePatch(current, patch) as KubeObject;
      else {
        const jp = (await import('fast-json-patch')).default;
        patched = jp.applyPatch(structuredClone(current), patch as never, true, true).newDocument;
      }
      return this.#send(res, 200, await this.#writeScale(def, r, patched, scope), scope);
    }
    const out = await this.#o.registry.patch(
      def,
      r.namespace,
      r.name!,
      type,
      patch,
      { ...scope, force: force === 'true' },
      r.subresource === 'status' ? 'status' : undefined,
    );
    this.#send(res, out.created ? 201 : 200, out.object, scope);
  }

  async #deleteOptions(
    req: IncomingMessage,
    q: URLSearchParams,
  ): Promise<DeleteOptions & { dryRun?: string[] }> {
    const body = await readBody(req);
    let opts: DeleteOptions & { dryRun?: string[] } = {};
    if (body.length > 0) {
      const parsed = decodeJsonOrYaml(
        body,
        mediaType(req.headers['content-type']) || 'application/json',
        'DeleteOptions',
      );
      if (typeof parsed === 'object' && parsed !== null) opts = parsed;
    }
    const pp = q.get('propagationPolicy');
    if (pp) opts.propagationPolicy = pp as DeleteOptions['propagationPolicy'];
    const grace = q.get('gracePeriodSeconds');
    if (grace) opts.gracePeriodSeconds = Number(grace);
    if (q.get('orphanDependents')) opts.orphanDependents = q.get('orphanDependents') === 'true';
    if (opts.propagationPolicy && !['Orphan', 'Background', 'Foreground'].includes(opts.propagationPolicy))
      throw statusErrors.badRequest(
        `propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
      );
    if (opts.propagationPolicy && opts.orphanDependents !== undefined)
      throw statusErrors.badRequest(
        'orphanDependents: Invalid value: cannot be set together with propagationPolicy',
      );
    if (opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < 0) opts.gracePeriodSeconds = 1;
    return opts;
  }

  async #delete(
    def: ResourceDefinition,
    r: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
  ): Promise<void> {
    const opts = await this.#deleteOptions(req, r.query);
    if (opts.dryRun?.includes('All')) scope.dryRun = true;
    const out = await this.#o.registry.delete(def, r.namespace, r.name!, opts, scope);
    if (!out.deleted) {
      const code = opts.orphanDependents === false ? 202 : 200;
      return this.#send(res, code, out.object, scope);
    }
    if (def.strategy.returnDeletedObject) return this.#send(res, 200, out.object, scope);
    this.#send(
      res,
      200,
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: r.name, group: def.group, kind: def.plural, uid: out.object.metadata?.uid },
      },
      scope,
    );
  }

  async #deleteCollection(
    def: ResourceDefinition,
    r: ResourceRequest,
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
  ): Promise<void> {
    const opts = await this.#deleteOptions(req, r.query);
    if (opts.dryRun?.includes('All')) scope.dryRun = true;
    const filter = this.#o.selectorFor(def, r.query.get('labelSelector'), r.query.get('fieldSelector'));
    const list = await this.#o.registry.list(def, {
      namespace: r.namespace,
      ...(filter ? { filter, filtered: true } : {}),
    });
    const items: KubeObject[] = [];
    for (const item of list.items) {
      try {
        const out = await this.#o.registry.delete(
          def,
          r.namespace ?? item.metadata?.namespace,
          item.metadata!.name!,
          { ...opts, preconditions: {} },
          scope,
        );
        items.push(out.object);
      } catch (err) {
        if (!(err instanceof StatusError && err.code === 404)) throw err;
      }
    }
    this.#send(
      res,
      200,
      {
        kind: def.listKind,
        apiVersion: apiVersionOf(def),
        metadata: { resourceVersion: String(this.#o.registry.store.currentRevision) },
        items,
      },
      scope,
    );
  }
}

function includeObject(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function partial(obj: KubeObject, version: string): KubeObject {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata ?? {},
  };
}

/** The autoscaling/v1 Scale view of an object with a scale subresource. */
export function scaleOf(def: ResourceDefinition, obj: KubeObject): KubeObject {
  const spec = def.subresources.scale!;
  const m = obj.metadata ?? {};
  const selector = spec.labelSelectorPath ? getAtPath(obj, spec.labelSelectorPath) : undefined;
  const specReplicas = getAtPath(obj, spec.specReplicasPath);
  const statusReplicas = getAtPath(obj, spec.statusReplicasPath);
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      ...(m.namespace ? { namespace: m.namespace } : {}),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
    status: {
      replicas: typeof statusReplicas === 'number' ? statusReplicas : 0,
      ...(typeof selector === 'string'
        ? { selector }
        : selector && typeof selector === 'object'
          ? { selector: labelSelectorString(selector) }
          : {}),
    },
  };
}
