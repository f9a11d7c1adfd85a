import type { Logger } from 'pino';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { type KubeObject, parseApiVersion, type TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import {
  isTerminalError,
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  TerminalError,
} from '../../../controller-runtime/controller/reconciler.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import { type FeatureGates, resolveFeatureGates } from '../../api/feature-gates.js';
import type { ClusterClass } from '../../api/v1beta2/cluster-class-types.js';
import type { TemplateReference } from '../../api/v1beta2/common-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import { Annotation, ClusterClassCondition } from '../../api/v1beta2/well-known.js';
import { type ContractResolver, isUnsupportedContract } from '../../contract/contract-version.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import type { Stored } from '../cluster/cluster-scope.js';
import type { ExternalTracker } from '../external-tracker.js';
import {
  type ClusterClassScope,
  inlineStatusVariables,
  type OutdatedRef,
  updateClusterClassStatus,
} from './cluster-class-status.js';

export const ClusterClassType: TypeRef = { apiVersion: API_VERSION, kind: 'ClusterClass' };

const OWNED_CONDITIONS = [
  ClusterClassCondition.Paused,
  ClusterClassCondition.RefVersionsUpToDate,
  ClusterClassCondition.VariablesReady,
];

/** A template a ClusterClass names does not exist (yet): the user must create it. */
export class TemplateNotFoundError extends Error {
  override readonly name = 'TemplateNotFoundError';
}
export const isTemplateNotFound = (err: unknown): err is TemplateNotFoundError =>
  err instanceof TemplateNotFoundError;

/**
 * Every template a ClusterClass names, each once (the same template may serve several worker classes), in
 * upstream's order: infrastructure cluster, control plane, control plane machine infrastructure, then the
 * bootstrap and infrastructure templates of each MachineDeployment class and each MachinePool class.
 */
export function templateRefsOf(clusterClass: ClusterClass): TemplateReference[] {
  const spec = clusterClass.spec;
  const refs: (TemplateReference | undefined)[] = [
    spec.infrastructure?.templateRef,
    spec.controlPlane?.templateRef,
    spec.controlPlane?.machineInfrastructure?.templateRef,
  ];
  for (const md of spec.workers?.machineDeployments ?? [])
    refs.push(md.bootstrap?.templateRef, md.infrastructure?.templateRef);
  for (const mp of spec.workers?.machinePools ?? [])
    refs.push(mp.bootstrap?.templateRef, mp.infrastructure?.templateRef);
  const seen = new Set<string>();
  const out: TemplateReference[] = [];
  for (const ref of refs) {
    if (!ref?.apiVersion || !ref.kind || !ref.name) continue;
    const id = `${ref.apiVersion}/${ref.kind}/${ref.name}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(ref);
  }
  return out;
}

/** Whether `ref` names `obj` (same API group, kind and name; the version does not matter). */
export function refersTo(ref: TemplateReference, obj: KubeObject): boolean {
  return (
    ref.kind === obj.kind &&
    ref.name === obj.metadata.name &&
    parseApiVersion(ref.apiVersion).group === parseApiVersion(obj.apiVersion ?? '').group
  );
}

export interface ClusterClassReconcilerOptions {
  client: Client;
  resolver: ContractResolver;
  /** Watches the template kinds as they are met, so a template's creation or change brings its classes back. */
  tracker: ExternalTracker;
  /** RuntimeSDK decides whether external patches' variables are to be discovered; unset gates take the defaults. */
  featureGates?: Partial<FeatureGates>;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * ClusterClass (upstream `internal/controllers/clusterclass`): makes the class the owner of every template it
 * names (so they move and go with it), says in `RefVersionsUpToDate` whether the names use the newest
 * apiVersion of their CRD's contract, and publishes the variables Clusters may set in `status.variables`
 * (`VariablesReady`), which the Cluster webhook defaults and validates topologies with once
 * `status.observedGeneration` caught up. No finalizer: upstream has none for ClusterClasses.
 */
export class ClusterClassReconciler implements Reconciler {
  readonly #o: ClusterClassReconcilerOptions;
  readonly #gates: FeatureGates;

  constructor(options: ClusterClassReconcilerOptions) {
    this.#o = options;
    this.#gates = resolveFeatureGates(options.featureGates);
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    let cc: Stored<ClusterClass>;
    try {
      cc = await this.#o.client.get<Stored<ClusterClass>>(ClusterClassType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const s: ClusterClassScope = { clusterClass: cc, outdatedRefs: [] };
    let skipped = false;
    return withPatch(
      this.#o.client,
      cc,
      OWNED_CONDITIONS,
      async () => {
        // Only the class's own annotation pauses it: a ClusterClass belongs to no Cluster.
        skipped = setPausedCondition(cc, isPaused(undefined, cc)) || !!cc.metadata.deletionTimestamp;
        if (skipped) return undefined;
        await this.#reconcilePhases(s, log);
        return undefined;
      },
      (error) => {
        if (skipped) return;
        updateClusterClassStatus(s);
        // observedGeneration only when the whole reconcile went through, as upstream.
        if (!error && cc.metadata.generation !== undefined)
          (cc.status ??= {}).observedGeneration = cc.metadata.generation;
      },
    );
  }

  /** Upstream runs both phases even when the first fails, and reports their errors together. */
  async #reconcilePhases(s: ClusterClassScope, log: Logger): Promise<void> {
    const phases: [string, () => Promise<void>][] = [
      ['reconcile template references', () => this.#reconcileExternalReferences(s)],
      ['reconcile variables', () => Promise.resolve(this.#reconcileVariables(s))],
    ];
    const errors: Error[] = [];
    for (const [name, run] of phases) {
      try {
        await run();
      } catch (err) {
        const e = asError(err);
        errors.push(e);
        log.info({ err: e.message }, `failed to ${name}`);
      }
    }
    if (errors.length === 0) return;
    const message = errors.map((e) => e.message).join('; ');
    // Only a change to the class (or its templates, which are watched) can fix terminal errors: no retries.
    if (errors.every(isTerminalError)) throw new TerminalError(message);
    throw errors.length === 1 ? errors[0]! : new AggregateError(errors, message);
  }

  /**
   * Reads every template the class names, makes the class one of its owners, and notes the names whose
   * apiVersion is not the newest of their CRD's contract. A template that cannot be read is reported and the
   * others are still done.
   */
  async #reconcileExternalReferences(s: ClusterClassScope): Promise<void> {
    const cc = s.clusterClass;
    const errors: Error[] = [];
    let shown = true;
    for (const ref of templateRefsOf(cc)) {
      try {
        const outdated = await this.#reconcileTemplate(cc, ref);
        if (outdated) s.outdatedRefs.push(outdated);
      } catch (err) {
        if (!isTemplateNotFound(err) && !isUnsupportedContract(err)) shown = false;
        errors.push(asError(err));
      }
    }
    if (errors.length === 0) return;
    s.referencesError =
      errors.length === 1 ? errors[0]! : new AggregateError(errors, errors.map((e) => e.message).join('\n'));
    s.referencesErrorShown = shown;
    s.outdatedRefs = [];
    throw s.referencesError;
  }

  async #reconcileTemplate(
    cc: Stored<ClusterClass>,
    ref: TemplateReference,
  ): Promise<OutdatedRef | undefined> {
    const { group, version } = parseApiVersion(ref.apiVersion);
    const contractRef = { apiGroup: group, kind: ref.kind, name: ref.name };
    // Read at the version the CRD's contract names (the object is the same at every served version).
    const tracked = await this.#o.tracker.read(
      this.#o.client,
      this.#o.resolver,
      cc.metadata.namespace,
      contractRef,
    );
    if (!tracked.object)
      throw new TemplateNotFoundError(
        `could not find ${ref.kind} ${cc.metadata.namespace ?? ''}/${ref.name} (${ref.apiVersion}) referenced by the ClusterClass`,
      );
    await this.#ensureOwnerReference(cc, tracked.object);
    const latest = parseApiVersion((await this.#o.resolver.resolve(contractRef)).apiVersion).version;
    return latest !== version ? { kind: ref.kind, name: ref.name, current: version, latest } : undefined;
  }

  /**
   * The class becomes a (non-controller) owner of the template, so `clusterctl move` takes it along and the
   * garbage collector deletes it with the class. Paused templates are left alone, as upstream.
   */
  async #ensureOwnerReference(cc: Stored<ClusterClass>, template: KubeObject): Promise<void> {
    if (Annotation.Paused in (template.metadata.annotations ?? {})) return;
    const owner: OwnerReference = {
      apiVersion: API_VERSION,
      kind: 'ClusterClass',
      name: cc.metadata.name!,
      uid: cc.metadata.uid!,
    };
    const refs = template.metadata.ownerReferences ?? [];
    // The same owner by group, kind and name is updated in place (controller-runtime's SetOwnerReference).
    const index = refs.findIndex(
      (r) =>
        r.kind === owner.kind &&
        r.name === owner.name &&
        parseApiVersion(r.apiVersion).group === parseApiVersion(owner.apiVersion).group,
    );
    const existing = index >= 0 ? refs[index] : undefined;
    if (
      existing &&
      existing.apiVersion === owner.apiVersion &&
      existing.uid === owner.uid &&
      existing.controller === undefined &&
      existing.blockOwnerDeletion === undefined
    )
      return;
    const ownerReferences = index >= 0 ? refs.map((r, i) => (i === index ? owner : r)) : [...refs, owner];
    const patched = await this.#o.client.patch(template, {
      type: 'merge',
      data: { metadata: { resourceVersion: template.metadata.resourceVersion, ownerReferences } },
    });
    template.metadata = patched.metadata;
  }

  /**
   * `status.variables` from the inline definitions. Variables of external patches come from their
   * DiscoverVariables extensions, which only run with the RuntimeSDK gate on (upstream ignores them otherwise);
   * capi-ts has no Runtime SDK client, so such a class is reported as not ready and keeps its previous variables.
   */
  #reconcileVariables(s: ClusterClassScope): void {
    const cc = s.clusterClass;
    if (this.#gates.RuntimeSDK) {
      const failures = (cc.spec.patches ?? [])
        .filter((p) => p.external?.discoverVariablesExtension)
        .map(
          (p) =>
            `failed to call DiscoverVariables for patch ${p.name}: Runtime SDK extensions are not supported by capi-ts`,
        );
      if (failures.length > 0) {
        s.variableDiscoveryError = new TerminalError(
          `VariableDiscovery failed: ${failures.length === 1 ? failures[0]! : `[${failures.join(', ')}]`}`,
        );
        throw s.variableDiscoveryError;
      }
    }
    const variables = inlineStatusVariables(cc);
    const status = (cc.status ??= {});
    if (variables.length > 0) status.variables = variables;
    else delete status.variables;
  }
}
