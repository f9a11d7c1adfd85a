// The writes KCP makes to its Machines and their KubeadmConfigs and InfraMachines (upstream `helpers.go`
// `cloneConfigsAndGenerateMachine`, `syncMachines`, `adoptMachines`,
// `removePreTerminateHookAnnotationFromMachine`).
import type { Logger } from 'pino';
import { type KubeObject, parseApiVersion } from '../../../controller-runtime/api/object.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import type { OwnerReference } from '../../../controller-runtime/helpers/owner-references.js';
import { Label } from '../../../core/api/v1beta2/index.js';
import { isSemverError, parseSemverTolerant } from '../../../core/api/version.js';
import { getExternal } from '../../../core/contract/index.js';
import { GROUP as BOOTSTRAP_GROUP } from '../../bootstrap-kubeadm/api/index.js';
import { KubeadmControlPlaneAnnotation } from '../api/index.js';
import {
  type ClusterObject,
  generateMachineName,
  isDeleting,
  type KcpObject,
  type KubeadmConfigObject,
  type MachineObject,
} from '../internal/index.js';
import {
  deletingMachinePatch,
  desiredInfraMachine,
  desiredKubeadmConfig,
  desiredMachine,
  desiredMetadata,
  FieldManager,
  kcpControllerReference,
  kubeadmConfigRef,
  machineNeedsApply,
} from './desired-objects.js';
import {
  errorText,
  KubeadmConfigType,
  KubeadmControlPlaneType,
  type KcpDeps,
  type KcpScope,
  MachineType,
  objectKey,
} from './kubeadm-control-plane-scope.js';

const SECRET = { apiVersion: 'v1', kind: 'Secret' };

const clusterName = (s: KcpScope): string => s.cluster.metadata.name ?? '';

const refTo = (obj: KubeObject) => ({
  apiGroup: parseApiVersion(obj.apiVersion ?? '').group,
  kind: obj.kind ?? '',
  name: obj.metadata.name ?? '',
});

/**
 * Creates a control plane Machine: the InfraMachine cloned from the machine template, the KubeadmConfig (init for
 * the first Machine, join otherwise), then the Machine pointing at both, named by `machineNaming.template` and
 * placed in `failureDomain`. What was created is deleted again when a later step fails. A remediation in progress
 * is complete once the replacement exists, so its annotation goes from the KCP (written with the KCP's patch).
 */
export async function createMachine(
  deps: KcpDeps,
  s: KcpScope,
  isJoin: boolean,
  failureDomain: string,
): Promise<MachineObject> {
  const { kcp } = s;
  const name = generateMachineName(kcp, clusterName(s), deps.randomName);
  const machine = desiredMachine({ kcp, clusterName: clusterName(s), name, failureDomain });

  let infra: KubeObject;
  try {
    const template = s.infraTemplate ?? (await readInfraTemplate(deps, s));
    infra = await deps.client.create(desiredInfraMachine(kcp, clusterName(s), name, template), {
      fieldManager: FieldManager.ControlPlane,
    });
  } catch (err) {
    throw new Error(`failed to create Machine: failed to create InfraMachine: ${errorText(err)}`, {
      cause: err,
    });
  }
  machine.spec.infrastructureRef = refTo(infra);

  const created: KubeObject[] = [infra];
  let failure: Error | undefined;
  try {
    const config = await deps.client.create(desiredKubeadmConfig(kcp, clusterName(s), name, isJoin), {
      fieldManager: FieldManager.ControlPlane,
    });
    created.push(config);
    machine.spec.bootstrap = { configRef: kubeadmConfigRef(config.metadata.name ?? name) };
  } catch (err) {
    failure = new Error(`failed to create Machine: failed to create KubeadmConfig: ${errorText(err)}`, {
      cause: err,
    });
  }

  if (!failure) {
    try {
      const applied = await deps.client.apply<MachineObject>(machine, {
        fieldManager: FieldManager.ControlPlane,
        force: true,
      });
      deps.consistency.wroteAt(s.key, kcp.metadata.uid ?? '', MachineType, applied.metadata.resourceVersion);
      if (kcp.metadata.annotations)
        delete kcp.metadata.annotations[KubeadmControlPlaneAnnotation.RemediationInProgress];
      return applied;
    } catch (err) {
      failure = new Error(`failed to create Machine: ${errorText(err)}`, { cause: err });
    }
  }

  const cleanup: string[] = [];
  for (const obj of created) {
    try {
      await deps.client.delete(obj);
    } catch (err) {
      if (!isNotFound(err))
        cleanup.push(`failed to cleanup generated resources after error: ${errorText(err)}`);
    }
  }
  if (cleanup.length > 0)
    failure = new Error(`${failure.message}; failed to cleanup created objects: ${cleanup.join('; ')}`);
  throw failure;
}

/** The `machineTemplate.spec.infrastructureRef` object; NotFound is an error here (a Machine needs it). */
export async function readInfraTemplate(deps: KcpDeps, s: KcpScope): Promise<KubeObject> {
  const ref = s.kcp.spec.machineTemplate.spec.infrastructureRef;
  const found = await getExternal(deps.client, deps.resolver, s.kcp.metadata.namespace, ref);
  if (!found) throw new Error(`${ref.kind} ${s.kcp.metadata.namespace ?? ''}/${ref.name} not found`);
  return found.object;
}

/** Deletes a control plane Machine and makes the next reconcile wait until the cache shows it deleting. */
export async function deleteMachine(deps: KcpDeps, s: KcpScope, machine: MachineObject): Promise<void> {
  try {
    await deps.client.delete(machine);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  deps.consistency.deleted(
    s.key,
    s.kcp.metadata.uid ?? '',
    MachineType,
    machine.metadata.namespace,
    machine.metadata.name ?? '',
  );
}

/** Drops the kcp-cleanup pre-terminate hook, letting the Machine controller delete the InfraMachine. */
export async function removePreTerminateHook(
  deps: KcpDeps,
  machine: MachineObject,
  log: Logger,
): Promise<void> {
  if (machine.metadata.annotations?.[KubeadmControlPlaneAnnotation.PreTerminateHookCleanup] === undefined)
    return;
  log.info({ machine: machine.metadata.name }, 'Removing pre-terminate hook from control plane Machine');
  try {
    const patched = await deps.client.patch(machine, {
      type: 'merge',
      data: { metadata: { annotations: { [KubeadmControlPlaneAnnotation.PreTerminateHookCleanup]: null } } },
    });
    machine.metadata = patched.metadata;
  } catch (err) {
    throw new Error(
      `failed to remove pre-terminate hook from control plane Machine ${objectKey(machine)}: ${errorText(err)}`,
      { cause: err },
    );
  }
}

/**
 * Keeps the in-place fields of the Machines in line with the KCP without replacing them (upstream
 * `syncMachines`): labels, annotations, readiness gates, deletion timeouts and taints of each Machine through
 * server-side apply; the labels and annotations of their InfraMachines and KubeadmConfigs; only the teardown
 * fields of deleting Machines. The Machines in `s.cp` are updated in place with what the server returned.
 */
export async function syncMachines(deps: KcpDeps, s: KcpScope): Promise<void> {
  const { kcp, cp } = s;
  for (const m of cp.machines) {
    const name = m.metadata.name ?? '';
    if (isDeleting(m)) {
      const patch = deletingMachinePatch(m, kcp);
      if (patch) replaceInPlace(m, await deps.client.patch(m, { type: 'merge', data: patch }));
      continue;
    }
    const desired = desiredMachine({
      kcp,
      clusterName: clusterName(s),
      name,
      failureDomain: m.spec.failureDomain ?? '',
      existing: m,
    });
    if (machineNeedsApply(m, desired)) {
      try {
        replaceInPlace(
          m,
          await deps.client.apply<MachineObject>(desired, {
            fieldManager: FieldManager.ControlPlane,
            force: true,
          }),
        );
      } catch (err) {
        if (isNotFound(err)) throw err;
        throw new Error(`failed to update Machine: ${objectKey(m)}: ${errorText(err)}`, { cause: err });
      }
    }
    // Objects not in the cache yet are left for the next reconcile, as upstream does.
    for (const [kind, obj] of [
      ['InfrastructureMachine', cp.infraMachines.get(name)],
      ['KubeadmConfig', cp.kubeadmConfigs.get(name)],
    ] as const) {
      if (!obj) continue;
      const apply = desiredMetadata(obj, kcp, clusterName(s));
      if (!apply) continue;
      try {
        await deps.client.apply(apply, { fieldManager: FieldManager.Metadata, force: true });
      } catch (err) {
        if (isNotFound(err)) throw err;
        throw new Error(`failed to update ${kind} ${objectKey(obj)}: ${errorText(err)}`, { cause: err });
      }
    }
  }
}

/** The Machine object keeps its identity (the ControlPlane holds it) and takes the server's content. */
function replaceInPlace(m: MachineObject, fresh: MachineObject): void {
  m.metadata = fresh.metadata;
  m.spec = fresh.spec;
  if (fresh.status) m.status = fresh.status;
}

/**
 * The KubeadmConfigs and InfraMachines of the Machines, by Machine name; objects not found are left out (a
 * Machine without them is never outdated because of it).
 */
export async function readMachineObjects(
  deps: KcpDeps,
  namespace: string | undefined,
  machines: readonly MachineObject[],
): Promise<{ kubeadmConfigs: Map<string, KubeadmConfigObject>; infraMachines: Map<string, KubeObject> }> {
  const kubeadmConfigs = new Map<string, KubeadmConfigObject>();
  const infraMachines = new Map<string, KubeObject>();
  await Promise.all(
    machines.map(async (m) => {
      const name = m.metadata.name ?? '';
      const configRef = m.spec.bootstrap.configRef;
      if (configRef?.name && configRef.kind === 'KubeadmConfig' && configRef.apiGroup === BOOTSTRAP_GROUP) {
        try {
          kubeadmConfigs.set(
            name,
            await deps.client.get<KubeadmConfigObject>(KubeadmConfigType, {
              namespace,
              name: configRef.name,
            }),
          );
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const infra = await getExternal(deps.client, deps.resolver, namespace, m.spec.infrastructureRef);
      if (infra) infraMachines.set(name, infra.object);
    }),
  );
  return { kubeadmConfigs, infraMachines };
}

/**
 * Upstream `adoptMachines`: stand-alone control plane Machines of the Cluster become this KCP's, with the
 * Secrets their KubeadmConfig made (not its bootstrap data). Refused when the KCP has just been deleted (read
 * uncached), a Machine has no KubeadmConfig, or (an event, no error) a Machine's version is more than one minor
 * away from the KCP's.
 */
export async function adoptMachines(
  deps: KcpDeps,
  kcp: KcpObject,
  cluster: ClusterObject,
  machines: readonly MachineObject[],
): Promise<void> {
  const uncached = await deps.apiClient.get<KcpObject>(KubeadmControlPlaneType, {
    namespace: kcp.metadata.namespace,
    name: kcp.metadata.name ?? '',
  });
  if (uncached.metadata.deletionTimestamp) {
    throw new Error(`${objectKey(kcp)} has just been deleted at ${uncached.metadata.deletionTimestamp}`);
  }
  const kcpVersion = parseSemverTolerant(kcp.spec.version);
  if (isSemverError(kcpVersion))
    throw new Error(`failed to parse kubernetes version "${kcp.spec.version}": ${kcpVersion.error}`);
  for (const m of machines) {
    const ref = m.spec.bootstrap.configRef;
    if (!ref?.name || ref.kind !== 'KubeadmConfig') {
      throw new Error(
        `unable to adopt Machine ${objectKey(m)}: expected a ConfigRef of kind KubeadmConfig but instead found ${JSON.stringify(ref ?? {})}`,
      );
    }
    if (!m.spec.version) continue;
    const version = parseSemverTolerant(m.spec.version);
    if (isSemverError(version))
      throw new Error(`failed to parse kubernetes version "${m.spec.version}": ${version.error}`);
    const skewOk =
      version.major === kcpVersion.major &&
      (kcpVersion.minor > version.minor
        ? kcpVersion.minor - version.minor === 1
        : version.minor - kcpVersion.minor <= 1);
    if (!skewOk) {
      // No error: the KCP would only spin until the user clarifies what they want.
      deps.recorder?.event(
        kcp,
        'Warning',
        'AdoptionFailed',
        `Could not adopt Machine ${objectKey(m)}: its version ("${m.spec.version}") is outside supported +/- one minor version skew from KCP's ("${kcp.spec.version}")`,
      );
      return;
    }
  }
  const kcpRef = kcpControllerReference(kcp);
  for (const m of machines) {
    const config = await deps.client.get<KubeadmConfigObject>(KubeadmConfigType, {
      namespace: kcp.metadata.namespace,
      name: m.spec.bootstrap.configRef!.name,
    });
    await adoptOwnedSecrets(deps, kcp, config, cluster.metadata.name ?? '');
    const refs = m.metadata.ownerReferences ?? [];
    if (refs.some((r) => sameRef(r, kcpRef))) continue;
    const others = refs.filter((r) => r.uid !== kcpRef.uid);
    await deps.client.patch(m, {
      type: 'merge',
      data: { metadata: { ownerReferences: [...others, kcpRef] } },
    });
  }
}

const sameRef = (a: OwnerReference, b: OwnerReference): boolean =>
  a.apiVersion === b.apiVersion &&
  a.kind === b.kind &&
  a.name === b.name &&
  a.uid === b.uid &&
  (a.controller ?? false) === (b.controller ?? false) &&
  (a.blockOwnerDeletion ?? false) === (b.blockOwnerDeletion ?? false);

/** The Secrets an adopted Machine's KubeadmConfig created (its certificates), except its bootstrap data. */
async function adoptOwnedSecrets(
  deps: KcpDeps,
  kcp: KcpObject,
  config: KubeadmConfigObject,
  cluster: string,
): Promise<void> {
  const secrets = await deps.apiClient.list(SECRET, {
    namespace: kcp.metadata.namespace,
    labelSelector: { [Label.ClusterName]: cluster },
  });
  const kcpRef = kcpControllerReference(kcp);
  for (const secret of secrets.items) {
    const refs = secret.metadata.ownerReferences ?? [];
    const owner = refs.find(
      (r) =>
        r.kind === 'KubeadmConfig' &&
        parseApiVersion(r.apiVersion).group === BOOTSTRAP_GROUP &&
        r.name === config.metadata.name,
    );
    if (!owner) continue;
    if (secret.metadata.name === config.status?.dataSecretName) continue;
    if (refs.some((r) => sameRef(r, kcpRef))) continue;
    // The config's reference becomes the KCP's (by UID, as upstream: never across a re-creation).
    const next = refs.some((r) => r.uid === config.metadata.uid)
      ? refs.map((r) => (r.uid === config.metadata.uid ? kcpRef : r))
      : [...refs, kcpRef];
    try {
      await deps.apiClient.patch(secret, {
        type: 'merge',
        data: { metadata: { resourceVersion: secret.metadata.resourceVersion, ownerReferences: next } },
      });
    } catch (err) {
      throw new Error(
        `error changing secret ${secret.metadata.name ?? ''} ownership from KubeadmConfig/${config.metadata.name ?? ''} to KubeadmControlPlane/${kcp.metadata.name ?? ''}: ${errorText(err)}`,
        { cause: err },
      );
    }
  }
}
