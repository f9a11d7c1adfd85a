import {
  localSubjectAccessReview,
  selfSubjectAccessReview,
  selfSubjectReview,
  selfSubjectRulesReview,
  subjectAccessReview,
} from '../auth/access-review.js';
import type { Authorizer } from '../auth/attributes.js';
import type { RbacAuthorizer } from '../auth/rbac-authorizer.js';
import {
  builtinResources,
  checkWireFormat,
  coreEventToEventsV1,
  eventsV1ToCoreEvent,
  isStrategicMergePatchError,
  labelSelectorMatches,
  normalizeTimes,
  strategicMergePatch,
} from '../builtins/index.js';
import { CLEANUP_FINALIZER, CRD_PREFIX } from '../crd/crd-controller.js';
import type { CrdResourceOptions, CrdSpec } from '../crd/crd-resources.js';
import type { FieldError } from '../errors/field-error.js';
import { StatusError, statusErrors } from '../errors/status-error.js';
import type { VirtualCreate } from '../http/api-server.js';
import type { SubresourceHandler } from '../http/resource-handler.js';
import type { TableBuilder } from '../http/table.js';
import { ManagedFieldsManager } from '../managed-fields/index.js';
import { decodeKubernetesProtobuf, encodeMinimalOpenApiV2, ProtobufDecodeError } from '../protobuf/index.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { internalScope } from '../registry/generic-registry.js';
import type { AdmissionPlugin, FieldManager, SchemaOps } from '../registry/ports.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject, ObjectMeta, ResourceDefinition } from '../registry/resource-definition.js';
import { SERVER_VERSION } from '../http/discovery.js';
import {
  compileSchema,
  validateCustomResourceDefinition,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../admission/index.js';
import { validateBuiltinName } from '../builtins/index.js';
import {
  buildTableBuilder,
  compileSelectors,
  crdPrinter,
  selectableFieldsReader,
  withAges,
} from './query-wiring.js';

/**
 * Everything the embedded server plugs into the generic machinery: built-in kinds, schema operations,
 * server-side apply, strategic merge patch, wire-format checks, access reviews and subresources.
 */
export interface Wiring {
  builtins: ResourceDefinition[];
  crdDefinition: ResourceDefinition;
  schemaFor: (def: ResourceDefinition) => SchemaOps | undefined;
  fieldManager: FieldManager;
  storageDefFor: (catalog: ResourceCatalog, def: ResourceDefinition) => ResourceDefinition;
  convert: (obj: KubeObject, from: ResourceDefinition, to: ResourceDefinition) => KubeObject;
  strategicMergePatch: (original: unknown, patch: unknown, def: ResourceDefinition) => unknown;
  validateMeta: (meta: ObjectMeta, def: ResourceDefinition, old: ObjectMeta | undefined) => FieldError[];
  admission: AdmissionPlugin[];
  crdResourceOptions: CrdResourceOptions;
  tables: TableBuilder;
  selectorFor: (
    def: ResourceDefinition,
    labelSelector: string | null,
    fieldSelector: string | null,
  ) => ((obj: KubeObject) => boolean) | undefined;
  decodeProtobuf: (body: Uint8Array) => { apiVersion: string; kind: string; object: KubeObject };
  checkWireFormat: (def: ResourceDefinition, obj: KubeObject) => string | undefined;
  openApiV2: () => Uint8Array;
  subresources: (registry: GenericRegistry) => Record<string, SubresourceHandler>;
  virtualCreates: (authorizer: RbacAuthorizer) => Record<string, VirtualCreate>;
}

const isBuiltinGroup = (group: string): boolean =>
  group === '' || !group.includes('.') || group.endsWith('.k8s.io');

/**
 * The built-in kinds and their compiled schemas are the same for every server in the process (the management
 * plane and each simulated workload cluster), so they are built once and shared.
 */
const staticWiring = (() => {
  let built: {
    builtins: ResourceDefinition[];
    crdDefinition: ResourceDefinition;
    schemaFor: Wiring['schemaFor'];
  };
  return () => (built ??= buildStaticWiring());
})();

function buildStaticWiring(): Pick<Wiring, 'builtins' | 'crdDefinition' | 'schemaFor'> {
  const crdBase = builtinResources.find(
    (d) => d.group === 'apiextensions.k8s.io' && d.plural === 'customresourcedefinitions',
  );
  if (!crdBase) throw new Error('the built-in catalog lacks CustomResourceDefinition');
  // The CRD kind gets apiextensions' behaviour: the cleanup finalizer from the start, status reset on create,
  // and the CRD checks kube-apiserver makes.
  const crdWithHooks: ResourceDefinition = {
    ...crdBase,
    strategy: {
      ...crdBase.strategy,
      prepareForCreate: (obj) => {
        crdBase.strategy.prepareForCreate?.(obj);
        const meta = (obj.metadata ??= {});
        meta.finalizers = [...new Set([...(meta.finalizers ?? []), CLEANUP_FINALIZER])];
        obj.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
      },
      validate: (obj, old) => [
        ...(crdBase.strategy.validate?.(obj, old) ?? []),
        ...validateCustomResourceDefinition(obj, old),
      ],
    },
  };
  const builtins = builtinResources
    .map((d) => (d === crdBase ? crdWithHooks : d))
    .map((d) => (d.table ? { ...d, table: withAges(d.table) } : d));
  const crdDefinition = builtins.find((d) => d.kind === 'CustomResourceDefinition')!;

  const schemas = new WeakMap<ResourceDefinition, SchemaOps>();
  const schemaFor = (def: ResourceDefinition): SchemaOps | undefined => {
    if (!def.schema) return undefined;
    let ops = schemas.get(def);
    if (!ops) {
      const compiled = compileSchema(def.schema, {
        ...(def.subresources.status ? { statusEnabled: true } : {}),
        // Built-in scale paths may point at objects (Deployment .spec.selector); the CRD scale rules do not apply.
        ...(def.subresources.scale && !isBuiltinGroup(def.group) ? { scale: def.subresources.scale } : {}),
      });
      ops = {
        prune: (obj) => compiled.prune(obj),
        applyDefaults: (obj) => compiled.applyDefaults(obj),
        validate: (obj, old) => compiled.validate(obj, old),
      };
      schemas.set(def, ops);
    }
    return ops;
  };
  return { builtins, crdDefinition, schemaFor };
}

export function buildWiring(): Wiring {
  const { builtins, crdDefinition, schemaFor } = staticWiring();

  // CRD storage versions, cached per CRD revision: objects are stored in the storage version.
  const storageVersions = new Map<string, { rev: number; version: string }>();
  let registryRef: GenericRegistry | undefined;
  const coreEvents = builtins.find((d) => d.group === '' && d.plural === 'events');
  const storageDefFor = (cat: ResourceCatalog, def: ResourceDefinition): ResourceDefinition => {
    // One storage, two views: events.k8s.io/v1 Events live as core/v1 Events.
    if (def.group === 'events.k8s.io' && def.plural === 'events' && coreEvents) return coreEvents;
    if (isBuiltinGroup(def.group) || !registryRef) return def;
    const kv = registryRef.store.get(`${CRD_PREFIX}${def.plural}.${def.group}`);
    if (!kv) return def;
    let cached = storageVersions.get(kv.key);
    if (!cached || cached.rev !== kv.modRevision) {
      const spec = (JSON.parse(kv.value) as { spec: CrdSpec }).spec;
      cached = { rev: kv.modRevision, version: spec.versions.find((v) => v.storage)?.name ?? def.version };
      storageVersions.set(kv.key, cached);
    }
    return cat.get(def.group, cached.version, def.plural) ?? def;
  };

  const admission: AdmissionPlugin[] = [
    {
      name: 'WireFormat',
      mutate: (ctx) => {
        if (!ctx.object || !isBuiltinGroup(ctx.def.group)) return;
        const problem = checkWireFormat(ctx.object, ctx.def);
        if (problem) throw statusErrors.badRequest(problem);
        normalizeTimes(ctx.object, ctx.def);
      },
    },
  ];

  const query = compileSelectors;
  return {
    builtins,
    crdDefinition,
    schemaFor,
    fieldManager: new ManagedFieldsManager(),
    storageDefFor: (cat, def) => storageDefFor(cat, def),
    convert: (obj, _from, to) =>
      to.group === 'events.k8s.io' ? coreEventToEventsV1(obj) : eventsV1ToCoreEvent(obj),
    strategicMergePatch: (original, patch, def) => {
      if (!def.strategicMerge)
        throw statusErrors.unsupportedMediaType('application/strategic-merge-patch+json', []);
      try {
        return strategicMergePatch(original, patch, def.strategicMerge);
      } catch (err) {
        if (isStrategicMergePatchError(err)) {
          if (err.code === 422) throw new StatusError(422, 'Invalid', err.message);
          if (err.code === 400) throw statusErrors.badRequest(err.message);
          throw statusErrors.internal(err.message);
        }
        throw err;
      }
    },
    validateMeta: (meta, def, old) => {
      const nameValidation = isBuiltinGroup(def.group)
        ? (name: string, prefix: boolean) => validateBuiltinName(def, name, prefix)
        : undefined;
      const errors = validateObjectMeta(meta, {
        namespaced: def.namespaced,
        isCreate: old === undefined,
        ...(nameValidation ? { nameValidation } : {}),
      });
      return old ? [...errors, ...validateObjectMetaUpdate(meta, old)] : errors;
    },
    admission,
    crdResourceOptions: { printerFor: crdPrinter, selectableFieldsFor: selectableFieldsReader },
    tables: buildTableBuilder(),
    selectorFor: (def, labelSelector, fieldSelector) => query(def, labelSelector, fieldSelector),
    decodeProtobuf: (body) => {
      try {
        const decoded = decodeKubernetesProtobuf(body);
        return { apiVersion: decoded.apiVersion, kind: decoded.kind, object: decoded.object };
      } catch (err) {
        if (err instanceof ProtobufDecodeError) {
          if (err.httpStatus === 415)
            throw statusErrors.unsupportedMediaType('application/vnd.kubernetes.protobuf', [
              'application/json',
              'application/yaml',
            ]);
          throw statusErrors.badRequest(`error decoding protobuf body: ${err.message}`);
        }
        throw err;
      }
    },
    checkWireFormat: (def, obj) => (isBuiltinGroup(def.group) ? checkWireFormat(obj, def) : undefined),
    openApiV2: () => encodeMinimalOpenApiV2({ title: 'Kubernetes', version: SERVER_VERSION.gitVersion }),
    subresources: (registry) => {
      registryRef = registry;
      return subresourceHandlers(registry);
    },
    virtualCreates: (authorizer) => virtualCreates(authorizer),
  };
}

function virtualCreates(authorizer: RbacAuthorizer): Record<string, VirtualCreate> {
  const az: Authorizer = authorizer;
  return {
    'authorization.k8s.io/selfsubjectaccessreviews': (body, user) => selfSubjectAccessReview(az, user, body),
    'authorization.k8s.io/subjectaccessreviews': (body) => subjectAccessReview(az, body),
    'authorization.k8s.io/localsubjectaccessreviews': (body, _user, ns) =>
      localSubjectAccessReview(az, body, ns ?? ''),
    'authorization.k8s.io/selfsubjectrulesreviews': (body, user) =>
      selfSubjectRulesReview(authorizer, user, body),
    'authentication.k8s.io/selfsubjectreviews': (body, user) => selfSubjectReview(user, body),
  };
}

/** pods/eviction and namespaces/finalize: the subresources with behaviour of their own. */
function subresourceHandlers(registry: GenericRegistry): Record<string, SubresourceHandler> {
  return {
    'namespaces/finalize': async ({ def, req, body, scope }) => {
      if (req.verb !== 'update')
        throw statusErrors.methodNotAllowed(
          'the server does not allow this method on the requested resource',
        );
      const incoming = await body();
      const finalizers = ((incoming.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).slice();
      const updated = await registry.mutate(
        def,
        undefined,
        req.name!,
        (obj) => {
          obj.spec ??= {} as Record<string, unknown>;
          (obj.spec as { finalizers?: string[] }).finalizers = finalizers;
          return true;
        },
        scope.fieldManager,
      );
      if (!updated) throw statusErrors.notFound({ group: '', resource: 'namespaces' }, req.name!);
      return { code: 200, body: updated };
    },
    'pods/eviction': async ({ def, req, body }) => {
      if (req.verb !== 'create')
        throw statusErrors.methodNotAllowed(
          'the server does not allow this method on the requested resource',
        );
      const eviction = await body();
      const pod = registry.get(def, req.namespace, req.name!);
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      const deleteOptions = (eviction.deleteOptions ?? {}) as Record<string, unknown>;
      if (phase !== 'Succeeded' && phase !== 'Failed' && phase !== 'Pending') {
        await checkDisruptionBudget(registry, pod);
      }
      await registry.delete(def, req.namespace, req.name!, deleteOptions, internalScope('eviction'));
      return {
        code: 201,
        body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 },
      };
    },
  };
}

/** The eviction subresource's budget check: at most one matching PDB, which must allow a disruption. */
async function checkDisruptionBudget(registry: GenericRegistry, pod: KubeObject): Promise<void> {
  const pdbDef = builtinResources.find((d) => d.group === 'policy' && d.plural === 'poddisruptionbudgets');
  if (!pdbDef) return;
  const ns = pod.metadata?.namespace;
  const list = await registry.list(pdbDef, { namespace: ns });
  const matching = list.items.filter((pdb) =>
    labelSelectorMatches(
      (pdb.spec as { selector?: never } | undefined)?.selector,
      pod.metadata?.labels ?? {},
    ),
  );
  if (matching.length === 0) return;
  if (matching.length > 1)
    throw new StatusError(
      500,
      'InternalError',
      'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
    );
  const pdb = matching[0]!;
  const status = (pdb.status ?? {}) as {
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    observedGeneration?: number;
  };
  const behind =
    status.observedGeneration !== undefined && status.observedGeneration < (pdb.metadata?.generation ?? 0);
  if (behind || (status.disruptionsAllowed ?? 0) <= 0) {
    throw statusErrors.tooManyRequests(
      "Cannot evict pod as it would violate the pod's disruption budget.",
      10,
      {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: `The disruption budget ${pdb.metadata?.name ?? ''} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`,
          },
        ],
      },
    );
  }
  await registry.mutate(
    pdbDef,
    ns,
    pdb.metadata!.name!,
    (obj) => {
      const s = (obj.status ??= {}) as {
        disruptionsAllowed?: number;
        disruptedPods?: Record<string, string>;
      };
      s.disruptionsAllowed = Math.max(0, (s.disruptionsAllowed ?? 0) - 1);
      s.disruptedPods = {
        ...(s.disruptedPods ?? {}),
        [pod.metadata!.name!]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      return true;
    },
    'eviction',
  );
}
