import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';
import { denyIfInvalid, type FieldError, fieldError } from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import { cidrError, isLabelValue, validateObjectMeta } from '../../controller-runtime/webhook/validation.js';
import type { AdmissionWarnings, WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import {
  Annotation,
  API_VERSION,
  type Cluster,
  type ClusterClass,
  ClusterClassCondition,
  GROUP,
  Label,
  type MachineDeployment,
} from '../api/v1beta2/index.js';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  parseSemver,
  parseSemverTolerant,
  type SemVer,
} from '../api/version.js';
import {
  classKeyOf,
  clusterClassesAreCompatible,
  keyText,
  workerTopologiesAreValid,
} from './util/cluster-class-checks.js';
import {
  validateNodeStartupTimeoutSeconds,
  validateUnhealthyLessThanOrEqualTo,
} from './util/health-check.js';
import { atoi, validateRemediationMaxInFlight, validateRolloutStrategy } from './util/int-or-percent.js';
import { validateMachineTaints } from './util/machine-taints.js';
import { isDefined, loose, type Loose } from './util/object.js';
import { defaultTopologyVariables } from './util/variable-defaulting.js';
import { validateTopologyVariables } from './util/variable-validation.js';
import type { WebhookContext } from './webhook-options.js';
import { ControlPlane } from '../contract/accessors.js';
import { ContractResolver } from '../contract/contract-version.js';

const GROUP_KIND = `Cluster.${GROUP}`;
const POLL_INTERVAL_MS = 200;
/** Runtime SDK bookkeeping of hooks still to be called; a pending AfterClusterUpgrade blocks the next upgrade. */
const PENDING_HOOKS_ANNOTATION = 'runtime.cluster.x-k8s.io/pending-hooks';
const ZERO_VERSION: SemVer = { major: 0, minor: 0, patch: 0, pre: [], build: [] };

type ClusterClassLookup =
  { clusterClass: Loose<ClusterClass>; notReconciled: boolean } | { notFound: true } | { error: unknown };

/** A ClusterClass is usable once its controller observed the current generation and its variables are ready. */
function isReconciled(cc: Loose<ClusterClass>): boolean {
  if ((cc.metadata?.generation ?? 0) !== (cc.status?.observedGeneration ?? 0)) return false;
  const ready = cc.status?.conditions?.find((c) => c.type === ClusterClassCondition.VariablesReady);
  return ready !== undefined && ready.status !== 'False';
}

/**
 * Reads the Cluster's ClusterClass, retrying for a while: Clusters and their ClusterClass are usually applied
 * together, and the ClusterClass controller needs a moment to publish its variables.
 */
async function lookupClusterClass(
  reader: Reader,
  cluster: Loose<Cluster>,
  timeoutMs: number,
): Promise<ClusterClassLookup> {
  const deadline = Date.now() + timeoutMs;
  let last: ClusterClassLookup;
  for (;;) {
    try {
      const cc = loose<ClusterClass>(
        await reader.get({ apiVersion: API_VERSION, kind: 'ClusterClass' }, classKeyOf(cluster)),
      );
      last = { clusterClass: cc, notReconciled: !isReconciled(cc) };
      if (!last.notReconciled) return last;
    } catch (err) {
      last = isNotFound(err) ? { notFound: true } : { error: err };
    }
    if (Date.now() + POLL_INTERVAL_MS > deadline) return last;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function setDefaults(
  obj: KubeObject,
  oldObj: KubeObject | undefined,
  context: WebhookContext,
): Promise<void> {
  const cluster = loose<Cluster>(obj);
  const topology = cluster.spec?.topology;
  if (!topology || !isDefined(topology)) return;
  if (!topology.version?.startsWith('v')) topology.version = `v${topology.version ?? ''}`;
  const name = cluster.metadata?.name ?? '';
  if (!topology.classRef?.name) {
    denyIfInvalid(GROUP_KIND, name, [fieldError.required('spec.topology.classRef.name', 'cannot be empty')]);
  }
  if (!context.reader) return;
  const found = await lookupClusterClass(context.reader, cluster, context.clusterClassPollTimeoutMs);
  if ('error' in found) {
    throw new Error(
      `Internal error occurred: Cluster ${name} can't be defaulted. ClusterClass ${topology.classRef?.name ?? ''} can not be retrieved: ${errorText(found.error)}`,
    );
  }
  // Variables are defaulted only against a ClusterClass that published them; otherwise the topology
  // controller waits for it and defaulting happens on a later write.
  if ('notFound' in found || found.notReconciled) return;
  // Variables are validated here, right after defaulting, as upstream does: both see the same ClusterClass.
  // Both report an unknown variable; it is one cause.
  const oldCluster = oldObj ? loose<Cluster>(oldObj) : undefined;
  const errors = defaultTopologyVariables(cluster, found.clusterClass);
  const seen = new Set(errors.map((e) => `${e.field}: ${e.detail}`));
  for (const e of validateTopologyVariables(cluster, oldCluster, found.clusterClass)) {
    if (!seen.has(`${e.field}: ${e.detail}`)) errors.push(e);
  }
  denyIfInvalid(GROUP_KIND, name, errors);
}

function validateMachineHealthChecks(cluster: Loose<Cluster>, cc: Loose<ClusterClass>): FieldError[] {
  const errs: FieldError[] = [];
  const cp = cluster.spec?.topology?.controlPlane?.healthCheck;
  const cpPath = FieldPath.of('spec', 'topology', 'controlPlane', 'healthCheck');
  const enableError = (path: FieldPath) =>
    fieldError.forbidden(
      path.child('enable').toString(),
      'cannot be set to true as healthCheck definition is not available in the Cluster topology or the ClusterClass',
    );
  const cpDefined = isDefined({ checks: cp?.checks, remediation: cp?.remediation });
  if (cpDefined) {
    if (!isDefined(cc.spec?.controlPlane?.machineInfrastructure?.templateRef)) {
      errs.push(
        fieldError.forbidden(
          cpPath.toString(),
          'can be only set if spec.controlPlane.machineInfrastructure is set in ClusterClass',
        ),
      );
    }
    errs.push(...validateNodeStartupTimeoutSeconds(cpPath, cp?.checks?.nodeStartupTimeoutSeconds));
    errs.push(
      ...validateUnhealthyLessThanOrEqualTo(cpPath, cp?.remediation?.triggerIf?.unhealthyLessThanOrEqualTo),
    );
  }
  const ccCp = cc.spec?.controlPlane?.healthCheck;
  if (
    cp?.enabled === true &&
    !cpDefined &&
    !isDefined({ checks: ccCp?.checks, remediation: ccCp?.remediation })
  ) {
    errs.push(enableError(cpPath));
  }
  for (const md of cluster.spec?.topology?.workers?.machineDeployments ?? []) {
    const path = FieldPath.of('spec', 'topology', 'workers', 'machineDeployments')
      .key(md.name ?? '')
      .child('healthCheck');
    const hc = md.healthCheck;
    const defined = isDefined({ checks: hc?.checks, remediation: hc?.remediation });
    if (defined) {
      errs.push(...validateNodeStartupTimeoutSeconds(path, hc?.checks?.nodeStartupTimeoutSeconds));
      errs.push(
        ...validateUnhealthyLessThanOrEqualTo(path, hc?.remediation?.triggerIf?.unhealthyLessThanOrEqualTo),
      );
      errs.push(...validateRemediationMaxInFlight(path.child('remediation'), hc?.remediation?.maxInFlight));
    }
    const mdClass = cc.spec?.workers?.machineDeployments?.find((c) => c.class === md.class);
    if (mdClass && hc?.enabled === true && !defined) {
      const classHc = mdClass.healthCheck;
      if (!isDefined({ checks: classHc?.checks, remediation: classHc?.remediation }))
        errs.push(enableError(path));
    }
  }
  return errs;
}

/** upstream's ValidateClusterForClusterClass: what a Cluster topology must agree on with its ClusterClass. */
function validateClusterForClusterClass(cluster: Loose<Cluster>, cc: Loose<ClusterClass>): FieldError[] {
  const errs: FieldError[] = [];
  const versions = cc.spec?.kubernetesVersions ?? [];
  const version = cluster.spec?.topology?.version ?? '';
  if (versions.length > 0 && !versions.includes(version)) {
    errs.push(
      fieldError.invalid(
        'spec.topology.version',
        version,
        'version must match one of the versions defined in the ClusterClass',
      ),
    );
  }
  errs.push(...workerTopologiesAreValid(cluster, cc));
  errs.push(...validateMachineHealthChecks(cluster, cc));
  return errs;
}

const AUTOSCALER_ANNOTATIONS: string[] = [Annotation.AutoscalerMinSize, Annotation.AutoscalerMaxSize];
const hasAutoscalerAnnotation = (annotations: Record<string, string> | undefined): boolean =>
  Object.keys(annotations ?? {}).some((k) => AUTOSCALER_ANNOTATIONS.includes(k));

/**
 * Replicas and the autoscaler's size annotations exclude each other: with both, the topology controller and
 * the autoscaler would fight over the MachineDeployment's replicas.
 */
export function validateAutoscalerAnnotationsForCluster(
  cluster: Loose<Cluster>,
  cc: Loose<ClusterClass> | undefined,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!isDefined(cluster.spec?.topology)) return errs;
  const clusterText = `cluster ${JSON.stringify(cluster.metadata?.name ?? '')} in namespace ${JSON.stringify(cluster.metadata?.namespace ?? '')}`;
  for (const md of cluster.spec?.topology?.workers?.machineDeployments ?? []) {
    if (md.replicas === undefined) continue;
    const path = FieldPath.of('spec', 'topology', 'workers', 'machineDeployments')
      .key(md.name ?? '')
      .child('replicas');
    if (hasAutoscalerAnnotation(md.metadata?.annotations)) {
      errs.push(
        fieldError.invalid(
          path.toString(),
          md.replicas,
          `cannot be set for ${clusterText} if the same MachineDeploymentTopology has autoscaler annotations`,
        ),
      );
    }
    for (const mdc of cc?.spec?.workers?.machineDeployments ?? []) {
      if (mdc.class !== md.class || !hasAutoscalerAnnotation(mdc.metadata?.annotations)) continue;
      errs.push(
        fieldError.invalid(
          path.toString(),
          md.replicas,
          `cannot be set for ${clusterText} if the source class ${JSON.stringify(md.class ?? '')} of this MachineDeploymentTopology has autoscaler annotations`,
        ),
      );
    }
  }
  return errs;
}

function validateTopologyShape(cluster: Loose<Cluster>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const topology = cluster.spec?.topology;
  errs.push(...validateObjectMeta(topology?.controlPlane?.metadata, path.child('controlPlane', 'metadata')));
  for (const list of ['machineDeployments', 'machinePools'] as const) {
    for (const w of topology?.workers?.[list] ?? []) {
      errs.push(
        ...validateObjectMeta(
          w.metadata,
          path
            .child('workers', list)
            .key(w.name ?? '')
            .child('metadata'),
        ),
      );
    }
  }
  for (const md of topology?.workers?.machineDeployments ?? []) {
    const rollingUpdate = md.rollout?.strategy?.rollingUpdate;
    const strategyPath = path
      .child('workers', 'machineDeployments')
      .key(md.name ?? '')
      .child('rollout', 'strategy');
    errs.push(
      ...validateRolloutStrategy(strategyPath, rollingUpdate?.maxUnavailable, rollingUpdate?.maxSurge),
    );
  }
  return errs;
}

function validateTopologyTaints(cluster: Loose<Cluster>, path: FieldPath, gate: boolean): FieldError[] {
  const topology = cluster.spec?.topology;
  const errs = validateMachineTaints(
    topology?.controlPlane?.taints,
    path.child('controlPlane', 'taints'),
    gate,
  );
  for (const list of ['machineDeployments', 'machinePools'] as const) {
    for (const w of topology?.workers?.[list] ?? []) {
      errs.push(
        ...validateMachineTaints(
          w.taints,
          path
            .child('workers', list)
            .key(w.name ?? '')
            .child('taints'),
          gate,
        ),
      );
    }
  }
  return errs;
}

/** The MachineDeployments of a topology whose Machines are not all on `version` yet. */
async function machineDeploymentsStillUpgrading(
  reader: Reader,
  oldCluster: Loose<Cluster>,
  version: SemVer,
): Promise<string | undefined> {
  const namespace = oldCluster.metadata?.namespace;
  const list = await reader.list(
    { apiVersion: API_VERSION, kind: 'MachineDeployment' },
    {
      namespace,
      labelSelector: {
        [Label.ClusterName]: oldCluster.metadata?.name ?? '',
        [Label.ClusterTopologyOwned]: '',
      },
    },
  );
  const upgrading: string[] = [];
  for (const item of list.items) {
    const md = loose<MachineDeployment>(item);
    const mdName = md.metadata?.name ?? '';
    const mdVersionText = md.spec?.template?.spec?.version ?? '';
    const mdVersion = parseSemverTolerant(mdVersionText);
    if (isSemverError(mdVersion)) {
      return `failed to check if MachineDeployment ${mdName} is upgrading: failed to parse version ${mdVersionText}: ${mdVersion.error}`;
    }
    if (formatSemver(mdVersion) !== formatSemver(version)) {
      upgrading.push(mdName);
      continue;
    }
    if (!mdVersionText) continue;
    const machines = await reader.list(
      { apiVersion: API_VERSION, kind: 'Machine' },
      {
        namespace,
        labelSelector: { ...md.spec?.selector?.matchLabels },
      },
    );
    for (const m of machines.items) {
      const spec = m.spec as { version?: string } | undefined;
      const kubelet = (m.status as { nodeInfo?: { kubeletVersion?: string } } | undefined)?.nodeInfo
        ?.kubeletVersion;
      if (!spec?.version) {
        return `failed to check if MachineDeployment ${mdName} is upgrading: Machine ${m.metadata.name ?? ''} has no version`;
      }
      if (spec.version !== mdVersionText || (kubelet && kubelet !== mdVersionText)) {
        upgrading.push(mdName);
        break;
      }
    }
  }
  return upgrading.length > 0
    ? `there are still MachineDeployments completing a previous upgrade: [${upgrading.join(', ')}]`
    : undefined;
}

/**
 * Why the control plane cannot take a new version yet (upstream's validateTopologyControlPlaneVersion): the current
 * topology version has not reached it, it is still provisioning, or it still runs an older version somewhere.
 */
async function controlPlaneNotDone(
  reader: Reader,
  oldCluster: Loose<Cluster>,
  version: SemVer,
): Promise<string | undefined> {
  const ref = oldCluster.spec?.controlPlaneRef;
  if (!ref?.name) return undefined;
  let cp: KubeObject;
  try {
    const type = await new ContractResolver(reader).typeOf({
      apiGroup: ref.apiGroup ?? '',
      kind: ref.kind ?? '',
    });
    cp = await reader.get(
      { apiVersion: type.apiVersion, kind: type.kind },
      { namespace: oldCluster.metadata?.namespace, name: ref.name },
    );
  } catch (err) {
    return `failed to check if control plane is upgrading: failed to get control plane object: ${errorText(err)}`;
  }
  const specText = ControlPlane.version(cp) ?? '';
  const spec = parseSemverTolerant(specText);
  if (isSemverError(spec))
    return `failed to check if control plane is upgrading: failed to parse control plane version ${specText}: ${spec.error}`;
  if (formatSemver(spec) !== formatSemver(version))
    return `Cluster.spec.topology.version ${formatSemver(version)} was not propagated to control plane yet (control plane version ${formatSemver(spec)})`;
  const statusText = ControlPlane.statusVersion(cp);
  if (!statusText) return 'control plane is currently provisioning';
  const status = parseSemverTolerant(statusText);
  if (isSemverError(status) || compareVersions(status, spec) < 0)
    return 'control plane is still completing a previous upgrade';
  return undefined;
}

async function validateTopologyVersionUpdate(
  path: FieldPath,
  value: string,
  next: SemVer,
  prev: SemVer,
  clusters: { next: Loose<Cluster>; prev: Loose<Cluster> },
  context: WebhookContext,
  validateCeiling: boolean,
): Promise<FieldError | undefined> {
  if (formatSemver(next) === formatSemver(prev)) return undefined;
  const invalid = (msg: string) => fieldError.invalid(path.toString(), value, msg);
  const isZero = (v: SemVer) => formatSemver(v) === '0.0.0';
  const [nextText, prevText] = [JSON.stringify(formatSemver(next)), JSON.stringify(formatSemver(prev))];
  if (!isZero(next) && !isZero(prev) && compareVersions(next, prev, { withoutPreReleases: true }) < 0) {
    return invalid(`version cannot be decreased from ${prevText} to ${nextText}`);
  }
  if (validateCeiling) {
    const ceiling: SemVer = { major: prev.major, minor: prev.minor + 2, patch: 0, pre: [], build: [] };
    const c = compareVersions(next, ceiling, { withoutPreReleases: true });
    if (c === 0 || c === 1) return invalid(`version cannot be increased from ${prevText} to ${nextText}`);
  }
  const pending = clusters.next.metadata?.annotations?.[PENDING_HOOKS_ANNOTATION] ?? '';
  if (pending.split(',').includes('AfterClusterUpgrade')) {
    return invalid('version cannot be changed when the "AfterClusterUpgrade" hook is still blocking');
  }
  if (!context.reader) return undefined;
  const blockers: string[] = [];
  const cp = await controlPlaneNotDone(context.reader, clusters.prev, prev);
  if (cp) blockers.push(cp);
  try {
    const mds = await machineDeploymentsStillUpgrading(context.reader, clusters.prev, prev);
    if (mds) blockers.push(mds);
  } catch (err) {
    blockers.push(
      `failed to check if MachineDeployments are upgrading: failed to get MachineDeployments: ${errorText(err)}`,
    );
  }
  if (blockers.length === 0) return undefined;
  const aggregate = blockers.length === 1 ? blockers[0] : `[${blockers.join(', ')}]`;
  return invalid(`version cannot be changed: ${aggregate}`);
}

async function validateTopology(
  oldCluster: Loose<Cluster> | undefined,
  cluster: Loose<Cluster>,
  context: WebhookContext,
): Promise<{ warnings: string[]; errors: FieldError[] }> {
  const path = FieldPath.of('spec', 'topology');
  const warnings: string[] = [];
  if (!context.gates.ClusterTopology) {
    return {
      warnings,
      errors: [
        fieldError.forbidden(
          path.toString(),
          'can be set only if the ClusterTopology feature flag is enabled',
        ),
      ],
    };
  }
  const errs: FieldError[] = [];
  const topology = cluster.spec?.topology;
  if (!topology?.classRef?.name) {
    // Upstream still reports this under the v1beta1 name of the field, `class`.
    return {
      warnings,
      errors: [fieldError.required(path.child('class').toString(), 'classRef.name cannot be empty')],
    };
  }
  const version = topology.version ?? '';
  if (!version.startsWith('v'))
    errs.push(fieldError.invalid(path.child('version').toString(), version, 'must start with v'));
  if (isSemverError(parseSemver(version.startsWith('v') ? version.slice(1) : version))) {
    errs.push(
      fieldError.invalid(
        path.child('version').toString(),
        version,
        'version must be a valid semantic version',
      ),
    );
  }
  errs.push(...validateTopologyShape(cluster, path));
  errs.push(...validateTopologyTaints(cluster, path, context.gates.MachineTaintPropagation));

  const concurrencyKey = Annotation.ClusterTopologyUpgradeConcurrency;
  const concurrency = cluster.metadata?.annotations?.[concurrencyKey];
  if (concurrency !== undefined) {
    const concurrencyPath = `metadata.annotations.${concurrencyKey}`;
    const parsed = atoi(concurrency);
    if (typeof parsed !== 'number') {
      errs.push(
        fieldError.invalid(
          concurrencyPath,
          concurrency,
          `could not parse the value of the annotation: ${parsed.error}`,
        ),
      );
    } else if (parsed < 1) {
      errs.push(fieldError.invalid(concurrencyPath, concurrency, 'value cannot be less than 1'));
    }
  }

  // Without a reader nothing that depends on the ClusterClass can be checked.
  let cc: Loose<ClusterClass> | undefined;
  const classKey = keyText(classKeyOf(cluster));
  if (context.reader) {
    const found = await lookupClusterClass(context.reader, cluster, context.clusterClassPollTimeoutMs);
    if ('error' in found) {
      warnings.push(
        `Cluster refers to ClusterClass ${classKey}, but this ClusterClass could not be retrieved. Cluster topology has not been fully validated: ${errorText(found.error)}`,
      );
      errs.push(fieldError.internal(path.child('class').toString(), errorText(found.error)));
      return { warnings, errors: errs };
    }
    if ('notFound' in found) {
      warnings.push(
        `Cluster refers to ClusterClass ${classKey}, but this ClusterClass does not exist. Cluster topology has not been fully validated. The ClusterClass must be created to reconcile the Cluster`,
      );
    } else {
      cc = found.clusterClass;
      if (found.notReconciled) {
        warnings.push(
          `Cluster refers to ClusterClass ${classKey}, but this ClusterClass hasn't been successfully reconciled. Cluster topology has not been fully validated. Please take a look at the ClusterClass status`,
        );
      }
      errs.push(...validateClusterForClusterClass(cluster, cc));
    }
  }
  errs.push(...validateAutoscalerAnnotationsForCluster(cluster, cc));
  if (!oldCluster) return { warnings, errors: errs };

  // On update the ClusterClass must exist: it did when the Cluster was created.
  if (context.reader && !cc) {
    errs.push(fieldError.internal(path.child('class').toString(), `ClusterClass ${classKey} not found`));
    return { warnings, errors: errs };
  }
  if (!isDefined(oldCluster.spec?.topology) || !oldCluster.spec?.topology?.classRef?.name) {
    if (cluster.metadata?.annotations?.[Annotation.ClusterTopologyUnsafeUpdateClassName] !== undefined) {
      return { warnings, errors: errs };
    }
    errs.push(
      fieldError.forbidden(path.child('class').toString(), 'classRef cannot be set on an existing Cluster'),
    );
    return { warnings, errors: errs };
  }

  const next = parseSemverTolerant(version);
  if (isSemverError(next)) {
    errs.push(
      fieldError.invalid(
        path.child('version').toString(),
        version,
        'version must be a valid semantic version',
      ),
    );
  }
  const oldVersionText = oldCluster.spec.topology.version ?? '';
  const prev = parseSemverTolerant(oldVersionText);
  if (isSemverError(prev)) {
    errs.push(
      fieldError.invalid(
        path.child('version').toString(),
        oldVersionText,
        'old version must be a valid semantic version',
      ),
    );
  }
  if (cluster.metadata?.annotations?.[Annotation.ClusterTopologyUnsafeUpdateVersion] !== undefined) {
    warnings.push(
      `Skipping version validation for Cluster because annotation "${Annotation.ClusterTopologyUnsafeUpdateVersion}" is set.`,
    );
  } else {
    // With a list of versions (or an extension planning upgrades) the ClusterClass allows chained upgrades, so
    // only the one-minor-at-a-time ceiling is lifted. Without a reader the ClusterClass is unknown: no ceiling.
    const validateCeiling =
      cc !== undefined &&
      (cc.spec?.kubernetesVersions ?? []).length === 0 &&
      !cc.spec?.upgrade?.external?.generateUpgradePlanExtension;
    const error = await validateTopologyVersionUpdate(
      path.child('version'),
      version,
      isSemverError(next) ? ZERO_VERSION : next,
      isSemverError(prev) ? ZERO_VERSION : prev,
      { next: cluster, prev: oldCluster },
      context,
      validateCeiling,
    );
    if (error) errs.push(error);
  }

  const oldKey = keyText(classKeyOf(oldCluster));
  if (context.reader && cc && oldKey !== classKey) {
    let oldCC: Loose<ClusterClass>;
    try {
      oldCC = loose<ClusterClass>(
        await context.reader.get({ apiVersion: API_VERSION, kind: 'ClusterClass' }, classKeyOf(oldCluster)),
      );
    } catch (err) {
      errs.push(
        fieldError.forbidden(
          path.child('class').toString(),
          `valid ClusterClass with name ${JSON.stringify(oldKey)} could not be retrieved, change from class ${JSON.stringify(oldKey)} to class ${JSON.stringify(classKey)} cannot be validated. Error: ${errorText(err)}`,
        ),
      );
      return { warnings, errors: errs };
    }
    // A broken old ClusterClass is fine: rebasing away from it is how users recover.
    errs.push(...clusterClassesAreCompatible(oldCC, cc));
  }
  return { warnings, errors: errs };
}

async function validate(
  oldCluster: Loose<Cluster> | undefined,
  cluster: Loose<Cluster>,
  context: WebhookContext,
): Promise<AdmissionWarnings> {
  const errs: FieldError[] = [];
  const name = cluster.metadata?.name ?? '';
  // The name becomes a label value on every object of the Cluster.
  for (const msg of isLabelValue(name)) {
    errs.push(fieldError.invalid('metadata.name', name, `must be a valid label value ${msg}`));
  }
  const spec = FieldPath.of('spec');
  const hasInfra = isDefined(cluster.spec?.infrastructureRef);
  const hasControlPlane = isDefined(cluster.spec?.controlPlaneRef);
  const hasTopology = isDefined(cluster.spec?.topology);
  if (!hasInfra && oldCluster && isDefined(oldCluster.spec?.infrastructureRef)) {
    errs.push(fieldError.forbidden(spec.child('infrastructureRef').toString(), 'cannot be removed'));
  }
  if (!hasControlPlane && !hasInfra && !hasTopology) {
    errs.push(
      fieldError.forbidden(
        spec.toString(),
        'one of spec.controlPlaneRef, spec.infrastructureRef or spec.topology must be set',
      ),
    );
  }
  if (!hasControlPlane && oldCluster && isDefined(oldCluster.spec?.controlPlaneRef)) {
    errs.push(fieldError.forbidden(spec.child('controlPlaneRef').toString(), 'cannot be removed'));
  }
  for (const part of ['pods', 'services'] as const) {
    (cluster.spec?.clusterNetwork?.[part]?.cidrBlocks ?? []).forEach((cidr, i) => {
      const error = cidrError(cidr);
      if (error)
        errs.push(
          fieldError.invalid(
            spec.child('clusterNetwork', part, 'cidrBlocks').index(i).toString(),
            cidr,
            error,
          ),
        );
    });
  }
  let warnings: string[] = [];
  if (hasTopology) {
    const result = await validateTopology(oldCluster, cluster, context);
    warnings = result.warnings;
    errs.push(...result.errors);
  }
  if (oldCluster && isDefined(oldCluster.spec?.topology) && !hasTopology) {
    errs.push(
      fieldError.forbidden(spec.child('topology').toString(), 'cannot be removed from an existing Cluster'),
    );
  }
  denyIfInvalid(GROUP_KIND, name, errs);
  return warnings.length > 0 ? warnings : undefined;
}

/**
 * Cluster: `v` prefix on the topology version, topology variable defaults from the ClusterClass and the values
 * validated against its variable schemas; refs that
 * cannot be removed, CIDRs, and the topology rules (class, version steps, workers, health checks, autoscaler).
 */
export function clusterWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'Cluster' },
    resource: 'clusters',
    defaulter: { default: (obj, request) => setDefaults(obj, request.oldObject, context) },
    validator: {
      validateCreate: (obj) => validate(undefined, loose<Cluster>(obj), context),
      validateUpdate: (oldObj, newObj) => validate(loose<Cluster>(oldObj), loose<Cluster>(newObj), context),
    },
  };
}
