import type { KubeObject } from '../../controller-runtime/api/object.js';
import {
  denyForbidden,
  denyIfInvalid,
  type FieldError,
  fieldError,
} from '../../controller-runtime/webhook/field-errors.js';
import { FieldPath } from '../../controller-runtime/webhook/field-path.js';
import { isDNS1123Subdomain, validateObjectMeta } from '../../controller-runtime/webhook/validation.js';
import type { WebhookRegistration } from '../../controller-runtime/webhook/webhook.js';
import { nameTemplateData, renderNameTemplate, type TemplateData } from '../api/name-template.js';
import { API_VERSION, type Cluster, type ClusterClass, GROUP } from '../api/v1beta2/index.js';
import {
  compareVersions,
  formatSemver,
  isSemverError,
  parseSemverTolerant,
  type SemVer,
} from '../api/version.js';
import { validateClusterClassVariables } from '../topology/variables/index.js';
import { validateAutoscalerAnnotationsForCluster } from './cluster-webhook.js';
import {
  clusterClassesAreCompatible,
  clusterClassTemplatesAreValid,
  clustersUsingClusterClass,
  workerClassesAreUnique,
} from './util/cluster-class-checks.js';
import {
  validateNodeStartupTimeoutSeconds,
  validateUnhealthyLessThanOrEqualTo,
} from './util/health-check.js';
import { validateRemediationMaxInFlight, validateRolloutStrategy } from './util/int-or-percent.js';
import { validateMachineTaints } from './util/machine-taints.js';
import { isDefined, loose, type Loose } from './util/object.js';
import { validatePatches } from './util/patch-validation.js';
import type { WebhookContext } from './webhook-options.js';

const GROUP_KIND = `ClusterClass.${GROUP}`;
const WORKER_LISTS = ['machineDeployments', 'machinePools'] as const;

const healthCheckDefined = (hc: { checks?: unknown; remediation?: unknown } | undefined): boolean =>
  isDefined({ checks: hc?.checks, remediation: hc?.remediation });

function validateHealthCheckClasses(cc: Loose<ClusterClass>): FieldError[] {
  const errs: FieldError[] = [];
  const cp = cc.spec?.controlPlane?.healthCheck;
  if (healthCheckDefined(cp)) {
    const path = FieldPath.of('spec', 'controlPlane', 'healthCheck');
    errs.push(...validateNodeStartupTimeoutSeconds(path, cp?.checks?.nodeStartupTimeoutSeconds));
    errs.push(
      ...validateUnhealthyLessThanOrEqualTo(path, cp?.remediation?.triggerIf?.unhealthyLessThanOrEqualTo),
    );
    // Control planes without Machines (hosted ones) have nothing to health check.
    if (!isDefined(cc.spec?.controlPlane?.machineInfrastructure?.templateRef)) {
      errs.push(
        fieldError.forbidden(
          path.toString(),
          'can be only set if spec.controlPlane.machineInfrastructure is set',
        ),
      );
    }
  }
  for (const md of cc.spec?.workers?.machineDeployments ?? []) {
    if (!healthCheckDefined(md.healthCheck)) continue;
    const path = FieldPath.of('spec', 'workers', 'machineDeployments')
      .key(md.class ?? '')
      .child('healthCheck');
    errs.push(...validateNodeStartupTimeoutSeconds(path, md.healthCheck?.checks?.nodeStartupTimeoutSeconds));
    errs.push(
      ...validateUnhealthyLessThanOrEqualTo(
        path,
        md.healthCheck?.remediation?.triggerIf?.unhealthyLessThanOrEqualTo,
      ),
    );
    errs.push(
      ...validateRemediationMaxInFlight(path.child('remediation'), md.healthCheck?.remediation?.maxInFlight),
    );
  }
  return errs;
}

function namingErrors(
  template: string | undefined,
  what: string,
  path: FieldPath,
  extra: TemplateData = {},
): FieldError[] {
  if (!template) return [];
  const rendered = renderNameTemplate(template, nameTemplateData('cluster', extra));
  // Templates beyond field references are refused rather than guessed at, like Go's own errors.
  if (rendered.kind !== 'rendered') {
    return [
      fieldError.invalid(path.toString(), template, `invalid ${what} name template: ${rendered.message}`),
    ];
  }
  return isDNS1123Subdomain(rendered.name).map((msg) => fieldError.invalid(path.toString(), template, msg));
}

function validateNaming(cc: Loose<ClusterClass>): FieldError[] {
  const errs = [
    ...namingErrors(
      cc.spec?.infrastructure?.naming?.template,
      'InfraCluster',
      FieldPath.of('spec', 'infrastructure', 'naming', 'template'),
    ),
    ...namingErrors(
      cc.spec?.controlPlane?.naming?.template,
      'ControlPlane',
      FieldPath.of('spec', 'controlPlane', 'naming', 'template'),
    ),
  ];
  for (const md of cc.spec?.workers?.machineDeployments ?? []) {
    const path = FieldPath.of('spec', 'workers', 'machineDeployments')
      .key(md.class ?? '')
      .child('naming', 'template');
    errs.push(
      ...namingErrors(md.naming?.template, 'MachineDeployment', path, {
        machineDeployment: { topologyName: 'mdtopology' },
      }),
    );
  }
  for (const mp of cc.spec?.workers?.machinePools ?? []) {
    const path = FieldPath.of('spec', 'workers', 'machinePools')
      .key(mp.class ?? '')
      .child('naming', 'template');
    errs.push(
      ...namingErrors(mp.naming?.template, 'MachinePool', path, {
        machinePool: { topologyName: 'mptopology' },
      }),
    );
  }
  return errs;
}

function validateShape(cc: Loose<ClusterClass>, gates: WebhookContext['gates']): FieldError[] {
  const errs: FieldError[] = [];
  for (const md of cc.spec?.workers?.machineDeployments ?? []) {
    const path = FieldPath.of('spec', 'workers', 'machineDeployments')
      .key(md.class ?? '')
      .child('rollout', 'strategy');
    const ru = md.rollout?.strategy?.rollingUpdate;
    errs.push(...validateRolloutStrategy(path, ru?.maxUnavailable, ru?.maxSurge));
  }
  errs.push(...validateHealthCheckClasses(cc));
  errs.push(...validateNaming(cc));
  errs.push(
    ...validateMachineTaints(
      cc.spec?.controlPlane?.taints,
      FieldPath.of('spec', 'controlPlane', 'taints'),
      gates.MachineTaintPropagation,
    ),
  );
  for (const list of WORKER_LISTS) {
    for (const c of cc.spec?.workers?.[list] ?? []) {
      const path = FieldPath.of('spec', 'workers', list)
        .key(c.class ?? '')
        .child('taints');
      errs.push(...validateMachineTaints(c.taints, path, gates.MachineTaintPropagation));
    }
  }
  errs.push(...validateClusterClassVariables(cc.spec?.variables, FieldPath.of('spec', 'variables')));
  errs.push(...validatePatches(cc.spec, gates.RuntimeSDK));
  errs.push(
    ...validateObjectMeta(cc.spec?.controlPlane?.metadata, FieldPath.of('spec', 'controlPlane', 'metadata')),
  );
  for (const list of WORKER_LISTS) {
    for (const c of cc.spec?.workers?.[list] ?? []) {
      // Upstream reports worker class metadata under its v1beta1 location, `template.metadata`.
      const path = FieldPath.of('spec', 'workers', list)
        .key(c.class ?? '')
        .child('template', 'metadata');
      errs.push(...validateObjectMeta(c.metadata, path));
    }
  }
  errs.push(...validateKubernetesVersions(cc.spec?.kubernetesVersions ?? []));
  return errs;
}

/**
 * `spec.kubernetesVersions` is an upgrade path: valid versions, strictly increasing, never skipping a minor.
 * (Upstream reports these under `spec.kubernetesVersion`, without the s.)
 */
function validateKubernetesVersions(versions: string[]): FieldError[] {
  const errs: FieldError[] = [];
  let previous: SemVer | undefined;
  versions.forEach((v, i) => {
    const path = FieldPath.of('spec', 'kubernetesVersion').index(i).toString();
    const parsed = parseSemverTolerant(v);
    if (isSemverError(parsed)) {
      errs.push(fieldError.invalid(path, v, 'version must be a valid semantic version'));
      return;
    }
    if (previous) {
      const c = compareVersions(parsed, previous, { withBuildTags: true });
      if (c === 0 || c === -1)
        errs.push(fieldError.invalid(path, v, `version must be greater than v${formatSemver(previous)}`));
      if (previous.minor !== parsed.minor && previous.minor + 1 !== parsed.minor) {
        errs.push(
          fieldError.invalid(
            path,
            v,
            `expecting a version with minor ${previous.minor} or ${previous.minor + 1}, found version ${formatSemver(parsed)}`,
          ),
        );
      }
    }
    previous = parsed;
  });
  return errs;
}

/** Update rules that depend on the Clusters built from the ClusterClass. */
function validateAgainstClusters(
  clusters: Loose<Cluster>[],
  oldCC: Loose<ClusterClass>,
  cc: Loose<ClusterClass>,
): FieldError[] {
  const errs: FieldError[] = [];
  const versions = cc.spec?.kubernetesVersions ?? [];
  if (versions.length > 0) {
    for (const c of clusters) {
      const v = c.spec?.topology?.version ?? '';
      if (!versions.includes(v)) {
        errs.push(
          fieldError.forbidden(
            'spec.kubernetesVersions',
            `Kubernetes Version ${v} is used by Cluster ${JSON.stringify(c.metadata?.name ?? '')} but not set in ClusterClass`,
          ),
        );
      }
    }
  }
  for (const [list, what] of [
    ['machineDeployments', 'MachineDeploymentClass'],
    ['machinePools', 'MachinePoolClass'],
  ] as const) {
    const kept = new Set((cc.spec?.workers?.[list] ?? []).map((c) => c.class ?? ''));
    const removed = new Set(
      (oldCC.spec?.workers?.[list] ?? []).map((c) => c.class ?? '').filter((n) => !kept.has(n)),
    );
    if (removed.size === 0) continue;
    for (const c of clusters) {
      for (const t of c.spec?.topology?.workers?.[list] ?? []) {
        if (!removed.has(t.class ?? '')) continue;
        errs.push(
          fieldError.forbidden(
            `spec.workers.${list}`,
            `${what} ${JSON.stringify(t.class ?? '')} cannot be deleted because it is used by Cluster ${JSON.stringify(c.metadata?.name ?? '')}`,
          ),
        );
      }
    }
  }
  errs.push(...validateHealthCheckRemovals(clusters, oldCC, cc));
  for (const c of clusters) errs.push(...validateAutoscalerAnnotationsForCluster(c, cc));
  return errs;
}

/** A health check Clusters enable without defining their own may not be removed from the class. */
function validateHealthCheckRemovals(
  clusters: Loose<Cluster>[],
  oldCC: Loose<ClusterClass>,
  cc: Loose<ClusterClass>,
): FieldError[] {
  const errs: FieldError[] = [];
  const inUse = (users: string[], path: string) =>
    fieldError.forbidden(
      path,
      `healthCheck cannot be deleted because it is used by Cluster(s) ${JSON.stringify(users.join(','))}`,
    );
  if (
    healthCheckDefined(oldCC.spec?.controlPlane?.healthCheck) &&
    !healthCheckDefined(cc.spec?.controlPlane?.healthCheck)
  ) {
    const users = clusters
      .filter((c) => {
        const hc = c.spec?.topology?.controlPlane?.healthCheck;
        return hc?.enabled === true && !healthCheckDefined(hc);
      })
      .map((c) => c.metadata?.name ?? '');
    if (users.length > 0) errs.push(inUse(users, 'spec.controlPlane.healthCheck'));
  }
  for (const mdClass of cc.spec?.workers?.machineDeployments ?? []) {
    const old = oldCC.spec?.workers?.machineDeployments?.find((c) => c.class === mdClass.class);
    if (!old || !healthCheckDefined(old.healthCheck) || healthCheckDefined(mdClass.healthCheck)) continue;
    const users = clusters
      .filter((c) =>
        (c.spec?.topology?.workers?.machineDeployments ?? []).some(
          (t) =>
            t.class === mdClass.class &&
            t.healthCheck?.enabled === true &&
            !healthCheckDefined(t.healthCheck),
        ),
      )
      .map((c) => c.metadata?.name ?? '');
    if (users.length > 0) {
      const path = FieldPath.of('spec', 'workers', 'machineDeployments')
        .key(mdClass.class ?? '')
        .child('healthCheck');
      errs.push(inUse(users, path.toString()));
    }
  }
  return errs;
}

async function validate(
  oldCC: Loose<ClusterClass> | undefined,
  cc: Loose<ClusterClass>,
  context: WebhookContext,
): Promise<void> {
  const name = cc.metadata?.name ?? '';
  if (!context.gates.ClusterTopology) {
    denyForbidden(
      'ClusterClass',
      name,
      'spec: Forbidden: can be set only if the ClusterTopology feature flag is enabled',
    );
  }
  const errs = [
    ...clusterClassTemplatesAreValid(cc),
    ...workerClassesAreUnique(cc),
    ...validateShape(cc, context.gates),
  ];
  if (oldCC) {
    errs.push(...clusterClassesAreCompatible(oldCC, cc));
    if (context.reader) {
      let clusters: Loose<Cluster>[];
      try {
        clusters = await clustersUsingClusterClass(context.reader, oldCC);
      } catch (err) {
        errs.push(
          fieldError.internal(
            '',
            `Clusters using ClusterClass ${oldCC.metadata?.name ?? ''} can not be retrieved: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
        denyIfInvalid(GROUP_KIND, name, errs);
        return;
      }
      errs.push(...validateAgainstClusters(clusters, oldCC, cc));
    }
  }
  denyIfInvalid(GROUP_KIND, name, errs);
}

/** At most this many Clusters are named when a delete is refused. */
const MAX_LISTED_CLUSTERS = 3;

async function validateDelete(obj: KubeObject, context: WebhookContext): Promise<void> {
  if (!context.reader) return;
  const cc = loose<ClusterClass>(obj);
  const clusters = await clustersUsingClusterClass(context.reader, cc);
  if (clusters.length === 0) return;
  const names = clusters
    .slice(0, MAX_LISTED_CLUSTERS)
    .map((c) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}`);
  if (clusters.length > MAX_LISTED_CLUSTERS)
    names.push(`... (${clusters.length - MAX_LISTED_CLUSTERS} more)`);
  const name = cc.metadata?.name ?? '';
  denyForbidden(
    'ClusterClass',
    name,
    `ClusterClass.${GROUP} ${JSON.stringify(name)} is forbidden: ClusterClass cannot be deleted because it is used by Cluster(s): ${names.join(', ')}`,
  );
}

/**
 * ClusterClass (validation only): templates, unique classes, rollout and health check limits, naming
 * templates, taints, variable schemas, patches, metadata, Kubernetes versions; on update compatibility with existing Clusters;
 * deletes refused while Clusters use the class.
 */
export function clusterClassWebhook(context: WebhookContext): WebhookRegistration {
  return {
    type: { apiVersion: API_VERSION, kind: 'ClusterClass' },
    resource: 'clusterclasses',
    validator: {
      validateCreate: (obj) => validate(undefined, loose<ClusterClass>(obj), context),
      validateUpdate: (oldObj, newObj) =>
        validate(loose<ClusterClass>(oldObj), loose<ClusterClass>(newObj), context),
      validateDelete: (obj) => validateDelete(obj, context),
    },
  };
}
