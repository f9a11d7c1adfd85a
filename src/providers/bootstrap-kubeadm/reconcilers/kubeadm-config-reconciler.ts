import type { Logger } from 'pino';
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isAlreadyExists, isNotFound } from '../../../controller-runtime/client/errors.js';
import {
  computeMergeReason,
  defaultMergeStrategy,
  isTrue,
  setCondition,
  setSummaryCondition,
} from '../../../controller-runtime/conditions/index.js';
import {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  TerminalError,
} from '../../../controller-runtime/controller/reconciler.js';
import {
  getControllerOf,
  type OwnerReference,
  referSameObject,
} from '../../../controller-runtime/helpers/owner-references.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { Cluster } from '../../../core/api/v1beta2/cluster-types.js';
import type { Machine } from '../../../core/api/v1beta2/machine-types.js';
import {
  CLUSTER_SECRET_TYPE,
  ClusterCondition,
  Label,
  SecretPurpose,
  Taint,
} from '../../../core/api/v1beta2/well-known.js';
import { ContractResolver } from '../../../core/contract/contract-version.js';
import { ControlPlane } from '../../../core/contract/accessors.js';
import { getExternal } from '../../../core/contract/external.js';
import { isPaused, setPausedCondition } from '../../../core/contract/paused.js';
import {
  certificateSettingsFrom,
  ClusterCertificates,
  type CertificatePurpose,
} from '../../../core/secret/index.js';
import {
  API_VERSION,
  BootstrapDataSecretKey,
  FileContentFormat,
  Format,
  type JoinConfiguration,
  type KubeadmConfig,
  KubeadmConfigConditionType,
  KubeadmConfigReason,
  type KubeadmConfigSpec,
} from '../api/index.js';
import {
  certificateFiles,
  type CertificateKeyPairPem,
  type CloudConfigInput,
  type CloudInitFile,
  type CloudInitUser,
  type ClusterCertificatePems,
  renderControlPlaneInitCloudConfig,
  renderControlPlaneJoinCloudConfig,
  renderWorkerJoinCloudConfig,
  resolveFiles,
  resolveUsers,
} from '../cloudinit/index.js';
import {
  caCertHashes,
  clusterConfigurationData,
  isInvalidKubernetesVersion,
  isUnsupportedKubernetesVersion,
  marshalClusterConfiguration,
  marshalInitConfiguration,
  marshalJoinConfiguration,
} from '../kubeadm/index.js';
import {
  discoveryKubeconfigFile,
  fileSecretRefs,
  readSecretValues,
  userSecretRefs,
} from './bootstrap-inputs.js';
import {
  createBootstrapToken,
  DEFAULT_TOKEN_TTL_MS,
  refreshBootstrapToken,
  tokenCheckIntervalMs,
} from './bootstrap-token.js';
import { clusterOf, configOwnerOf, isControlPlaneMachine, type Stored } from './config-owner.js';
import { ControlPlaneInitLock, type InitLocker } from './control-plane-init-lock.js';
import type { WorkloadClusterClients } from './workload-clusters.js';

export const KubeadmConfigType: TypeRef = { apiVersion: API_VERSION, kind: 'KubeadmConfig' };

/** Machines that may not render yet (workers before the control plane is initialized, lock losers) come back after this. */
export const WAIT_FOR_CONTROL_PLANE_MS = 30_000;
/** Discovery without `Cluster.spec.controlPlaneEndpoint` comes back after this (upstream: 10 s). */
export const WAIT_FOR_ENDPOINT_MS = 10_000;
/** A first control plane Machine waiting for its control plane provider's certificates comes back after this. */
export const WAIT_FOR_CERTIFICATES_MS = 10_000;

export interface KubeadmConfigReconcilerOptions {
  /** Reads KubeadmConfigs, Machines and Clusters (a manager's cached client) and writes them. */
  client: Client;
  /**
   * Reads and writes Secrets, the init lock ConfigMap and control plane objects: uncached (a manager's API
   * client), as managers do not cache Secrets and the lock must see its own writes.
   */
  apiClient: Client;
  workloadClusters: WorkloadClusterClients;
  /** Lifetime of the bootstrap tokens created for joining machines (upstream `--bootstrap-token-ttl`, 15 min). */
  tokenTTLMs?: number;
  /** The init lock; the `<cluster>-lock` ConfigMap unless set (tests). */
  initLock?: InitLocker;
  now?: () => number;
}

/** Messages a user sees on the conditions; the waiting ones are upstream's, word for word. */
export const KubeadmConfigMessage = {
  // Upstream still names the v1beta1 field here; kept as is because tools and docs quote it.
  waitingForInfrastructure: 'Waiting for Cluster status.infrastructureReady to be true',
  waitingForControlPlaneInitialized: 'Waiting for Cluster control plane to be initialized',
  ignitionNotImplemented:
    'spec.format "ignition" is not supported by this bootstrap provider yet (the KubeadmBootstrapFormatIgnition ' +
    'feature gate is off); use "cloud-config"',
  workerWithControlPlane:
    'Machine is a Worker, but JoinConfiguration.ControlPlane is set in the KubeadmConfig object',
} as const;

const OWNED_CONDITIONS = [
  KubeadmConfigConditionType.Ready,
  KubeadmConfigConditionType.DataSecretAvailable,
  KubeadmConfigConditionType.CertificatesAvailable,
  KubeadmConfigConditionType.Paused,
];

interface Scope {
  config: Stored<KubeadmConfig>;
  machine: Stored<Machine>;
  cluster: Stored<Cluster>;
  log: Logger;
  signal: AbortSignal;
}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const refName = (ref: { name?: string } | undefined): string | undefined => ref?.name || undefined;
/** Whether an optional struct has any field set (upstream's IsDefined). */
const isSet = (o: object | undefined): boolean =>
  o !== undefined && Object.values(o).some((v) => v !== undefined && v !== '');
/** Go's net.JoinHostPort. */
const joinHostPort = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
const clusterKey = (cluster: Stored<Cluster>) => ({
  namespace: cluster.metadata.namespace ?? '',
  name: cluster.metadata.name ?? '',
});

/** Upstream waits on the Cluster's ControlPlaneInitialized condition; the status field says the same, earlier. */
const controlPlaneInitialized = (cluster: Stored<Cluster>): boolean =>
  isTrue(cluster, ClusterCondition.ControlPlaneInitialized) ||
  cluster.status?.initialization?.controlPlaneInitialized === true;

/**
 * The KubeadmConfig controller (upstream CABPK): turns a Machine's KubeadmConfig into cloud-config bootstrap
 * data in a Secret named after the config. The first control plane Machine of a cluster (holding the init lock)
 * renders `kubeadm init` with the cluster certificates; once the control plane is initialized, workers and
 * further control plane Machines render `kubeadm join` with token discovery filled in, and their bootstrap
 * token is refreshed until their Node exists. Nothing in the workload cluster is cleaned up on deletion (as
 * upstream: tokens expire and the workload cluster's token cleaner removes them), so there is no finalizer.
 */
export class KubeadmConfigReconciler implements Reconciler {
  readonly #o: KubeadmConfigReconcilerOptions;
  readonly #ttlMs: number;
  readonly #lock: InitLocker;
  readonly #resolver: ContractResolver;
  readonly #now: () => number;

  constructor(options: KubeadmConfigReconcilerOptions) {
    this.#o = options;
    this.#ttlMs = options.tokenTTLMs || DEFAULT_TOKEN_TTL_MS;
    this.#lock = options.initLock ?? new ControlPlaneInitLock(options.apiClient);
    this.#resolver = new ContractResolver(options.apiClient);
    this.#now = options.now ?? Date.now;
  }

  async reconcile(request: Request, { log, signal }: ReconcileContext): Promise<Result | undefined> {
    const client = this.#o.client;
    let config: Stored<KubeadmConfig>;
    try {
      config = await client.get<Stored<KubeadmConfig>>(KubeadmConfigType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const owner = await configOwnerOf(client, config);
    if (!owner) return undefined; // The Machine controller sets the owner reference; its event brings us back.
    if (owner.kind === 'MachinePool') {
      log.info({ machinePool: owner.name }, 'KubeadmConfigs of MachinePools are not supported yet');
      return undefined;
    }
    if (owner.kind === 'Missing') return undefined;
    const machine = owner.machine;
    const cluster = await clusterOf(client, machine);
    if (!cluster) {
      log.info({ machine: machine.metadata.name }, 'Cluster does not exist yet, waiting until it is created');
      return undefined;
    }
    const s: Scope = { config, machine, cluster, log: log.child({ machine: machine.metadata.name }), signal };
    return withPatch(
      client,
      config,
      OWNED_CONDITIONS,
      async () => {
        if (setPausedCondition(config, isPaused(cluster, config))) return undefined;
        // Deleted configs are left alone: nothing of theirs needs cleaning up.
        if (config.metadata.deletionTimestamp) return undefined;
        return this.#reconcileNormal(s);
      },
      (error) => {
        if (isPaused(cluster, config)) return;
        setSummaryCondition(config, {
          targetType: KubeadmConfigConditionType.Ready,
          forConditionTypes: [
            KubeadmConfigConditionType.DataSecretAvailable,
            KubeadmConfigConditionType.CertificatesAvailable,
          ],
          mergeStrategy: defaultMergeStrategy({
            computeReason: computeMergeReason(
              KubeadmConfigReason.Ready.NotReady,
              KubeadmConfigReason.Ready.ReadyUnknown,
              KubeadmConfigReason.Ready.Ready,
            ),
          }),
        });
        if (error === undefined && config.metadata.generation !== undefined) {
          (config.status ??= {}).observedGeneration = config.metadata.generation;
        }
      },
    );
  }

  async #reconcileNormal(s: Scope): Promise<Result | undefined> {
    const { config, machine, cluster } = s;
    await this.#ensureDataSecretOwner(s);
    const status = (config.status ??= {});

    if (cluster.status?.initialization?.infrastructureProvisioned !== true) {
      s.log.info('Cluster infrastructure is not ready, waiting');
      setDataSecretNotAvailable(config, KubeadmConfigMessage.waitingForInfrastructure);
      return undefined;
    }
    // The Machine already names a data Secret but our status does not (a move or a restore from backup, which
    // do not carry the status over): take the status back.
    const dataSecretName = machine.spec?.bootstrap?.dataSecretName;
    if (dataSecretName && (status.initialization?.dataSecretCreated !== true || !status.dataSecretName)) {
      status.initialization = { ...status.initialization, dataSecretCreated: true };
      status.dataSecretName = dataSecretName;
      setDataSecretAvailable(config);
      setCertificatesAvailable(config);
      return undefined;
    }
    if (status.initialization?.dataSecretCreated === true) {
      // The data exists, so the certificates it needed did too.
      setDataSecretAvailable(config);
      setCertificatesAvailable(config);
      const token = config.spec?.joinConfiguration?.discovery?.bootstrapToken;
      // The token of a machine that has not joined yet must stay valid until it is used.
      if (isSet(token) && !machine.status?.nodeRef?.name) return this.#refreshToken(s, token?.token ?? '');
      return undefined;
    }
    if (config.spec?.format === Format.Ignition) {
      setDataSecretNotAvailable(config, KubeadmConfigMessage.ignitionNotImplemented);
      return undefined;
    }
    if (!controlPlaneInitialized(cluster)) return this.#handleClusterNotInitialized(s);

    // Every other case joins an initialized control plane; the init lock has done its work.
    await this.#releaseLock(s);
    return isControlPlaneMachine(machine) ? this.#joinControlPlane(s) : this.#joinWorker(s);
  }

  async #refreshToken(s: Scope, token: string): Promise<Result> {
    const client = this.#o.workloadClusters.getClient(clusterKey(s.cluster));
    const refresh = await refreshBootstrapToken(client, token, {
      ttlMs: this.#ttlMs,
      nowMs: this.#now(),
      signal: s.signal,
    });
    if (refresh.refreshed) {
      s.log.info(
        { oldExpiration: refresh.previousExpiration, newExpiration: refresh.expiration },
        'Refreshing token until the infrastructure has a chance to consume it',
      );
    }
    return { requeueAfterMs: tokenCheckIntervalMs(this.#ttlMs) };
  }

  async #handleClusterNotInitialized(s: Scope): Promise<Result | undefined> {
    const { config, machine, cluster } = s;
    setDataSecretNotAvailable(config, KubeadmConfigMessage.waitingForControlPlaneInitialized);
    if (!isControlPlaneMachine(machine)) return { requeueAfterMs: WAIT_FOR_CONTROL_PLANE_MS };
    // Only the first control plane Machine runs `kubeadm init`; the others join once it has.
    if (!(await this.#lock.lock(cluster, machine.metadata.name ?? '', s.log))) {
      return { requeueAfterMs: WAIT_FOR_CONTROL_PLANE_MS };
    }
    try {
      return await this.#renderInit(s);
    } catch (err) {
      // Let another control plane Machine try; this one takes the lock again on its next attempt if free.
      try {
        await this.#lock.unlock(cluster, s.log);
      } catch (unlockError) {
        s.log.error({ err: unlockError }, 'failed to unlock the kubeadm init lock');
      }
      throw err;
    }
  }

  async #releaseLock(s: Scope): Promise<void> {
    try {
      await this.#lock.unlock(s.cluster, s.log);
    } catch (err) {
      // Best effort, as upstream: the lock is only consulted before the control plane is initialized.
      s.log.error({ err }, 'failed to release the kubeadm init lock');
    }
  }

  async #renderInit(s: Scope): Promise<Result | undefined> {
    const { config, machine, cluster } = s;
    s.log.info('Creating BootstrapData for the first control plane');
    const spec = (config.spec ??= {});
    // As upstream, the Cluster's endpoint becomes the ClusterConfiguration's when it names none (and stays in
    // the spec, so later control plane Machines see the same value).
    const endpoint = cluster.spec?.controlPlaneEndpoint;
    if (!spec.clusterConfiguration?.controlPlaneEndpoint && endpoint?.host && endpoint.port) {
      spec.clusterConfiguration = {
        ...spec.clusterConfiguration,
        controlPlaneEndpoint: joinHostPort(endpoint.host, endpoint.port),
      };
    }
    const version = machine.spec?.version ?? '';
    const kubeadm = versioned(config, () => ({
      cluster: marshalClusterConfiguration(
        spec.clusterConfiguration,
        version,
        clusterConfigurationData({
          cluster,
          machineVersion: version,
          ...(spec.initConfiguration ? { initConfiguration: spec.initConfiguration } : {}),
        }),
      ),
      init: marshalInitConfiguration(spec.initConfiguration, version),
    }));

    let certificates: ClusterCertificates;
    try {
      const key = clusterKey(cluster);
      const settings = certificateSettingsFrom(spec.clusterConfiguration);
      // Without a control plane provider this config makes the cluster's certificates (and owns them until a
      // control plane adopts them); with one, the provider made them before creating Machines.
      certificates = !refName(cluster.spec?.controlPlaneRef)
        ? await ClusterCertificates.lookupOrGenerate(this.#o.apiClient, {
            cluster: key,
            owner: { apiVersion: API_VERSION, kind: 'KubeadmConfig', metadata: config.metadata },
            ...settings,
            reader: this.#o.apiClient,
            signal: s.signal,
          })
        : await ClusterCertificates.lookup(this.#o.apiClient, {
            cluster: key,
            externalEtcd: settings.externalEtcd ?? false,
            signal: s.signal,
          });
    } catch (err) {
      setCertificatesError(config, err);
      throw err;
    }
    const missing = certificates.missing();
    if (missing.length > 0) {
      // Upstream would render without them and kubeadm would make CAs of its own, unknown to the management
      // cluster; waiting for the control plane provider is the safe reading.
      setCondition(config, {
        type: KubeadmConfigConditionType.CertificatesAvailable,
        status: 'Unknown',
        reason: KubeadmConfigReason.CertificatesAvailable.InternalError,
        message: `Waiting for the control plane provider to create Secret(s) ${missing
          .map((p) => `${cluster.metadata.name}-${p}`)
          .join(', ')}`,
      });
      return { requeueAfterMs: WAIT_FOR_CERTIFICATES_MS };
    }
    setCertificatesAvailable(config);

    const { files, users } = await this.#resolveFilesAndUsers(s);
    const value = renderControlPlaneInitCloudConfig({
      ...cloudConfigInput(spec, files, users),
      kubeadmClusterConfiguration: kubeadm.cluster,
      kubeadmInitConfiguration: kubeadm.init,
      certificates: certificateFiles(certificatePems(certificates), spec.clusterConfiguration),
    });
    await this.#storeBootstrapData(s, value);
    return undefined;
  }

  async #joinWorker(s: Scope): Promise<Result | undefined> {
    const { config, machine } = s;
    s.log.info('Creating BootstrapData for the worker node');
    const spec = (config.spec ??= {});
    // A worker only needs the cluster CA, for the discovery pins.
    let certificates: ClusterCertificates;
    try {
      certificates = await ClusterCertificates.lookup(this.#o.apiClient, {
        cluster: clusterKey(s.cluster),
        signal: s.signal,
      });
      certificates.certificatePem(SecretPurpose.ClusterCA);
    } catch (err) {
      setCertificatesError(config, err);
      throw err;
    }
    setCertificatesAvailable(config);
    if (spec.joinConfiguration?.controlPlane) {
      setDataSecretNotAvailable(config, KubeadmConfigMessage.workerWithControlPlane);
      throw new TerminalError(KubeadmConfigMessage.workerWithControlPlane);
    }
    const wait = await this.#reconcileDiscovery(s, certificates);
    if (wait) return wait;

    // The uninitialized taint keeps workloads off the Node until core has synced its labels; it goes into the
    // rendered data only, never into the spec (core removes it from the Node later).
    const joinConfiguration: JoinConfiguration = structuredClone(spec.joinConfiguration ?? {});
    const taints = joinConfiguration.nodeRegistration?.taints ?? [];
    const uninitialized = Taint.NodeUninitialized;
    if (!taints.some((t) => t.key === uninitialized.key && t.effect === uninitialized.effect)) {
      joinConfiguration.nodeRegistration = {
        ...joinConfiguration.nodeRegistration,
        taints: [...taints, { key: uninitialized.key, effect: uninitialized.effect }],
      };
    }
    // The joining Machine's version picks the kubeadm API version, as upstream (a newer kubeadm reads older ones).
    const join = versioned(config, () =>
      marshalJoinConfiguration(joinConfiguration, machine.spec?.version ?? ''),
    );
    const { files, users } = await this.#resolveFilesAndUsers(s);
    const value = renderWorkerJoinCloudConfig({
      ...cloudConfigInput(spec, files, users),
      kubeadmJoinConfiguration: join,
    });
    await this.#storeBootstrapData(s, value);
    // Come back to keep the token fresh until the Node exists.
    return { requeueAfterMs: tokenCheckIntervalMs(this.#ttlMs) };
  }

  async #joinControlPlane(s: Scope): Promise<Result | undefined> {
    const { config, machine } = s;
    s.log.info('Creating BootstrapData for the joining control plane');
    const spec = (config.spec ??= {});
    spec.joinConfiguration = {
      ...spec.joinConfiguration,
      controlPlane: spec.joinConfiguration?.controlPlane ?? {},
    };
    let certificates: ClusterCertificates;
    try {
      certificates = (
        await ClusterCertificates.lookup(this.#o.apiClient, {
          cluster: clusterKey(s.cluster),
          externalEtcd: certificateSettingsFrom(spec.clusterConfiguration).externalEtcd ?? false,
          signal: s.signal,
        })
      ).ensureAllExist();
    } catch (err) {
      setCertificatesError(config, err);
      throw err;
    }
    setCertificatesAvailable(config);
    const wait = await this.#reconcileDiscovery(s, certificates);
    if (wait) return wait;

    const join = versioned(config, () =>
      marshalJoinConfiguration(spec.joinConfiguration, machine.spec?.version ?? ''),
    );
    const { files, users } = await this.#resolveFilesAndUsers(s);
    const value = renderControlPlaneJoinCloudConfig({
      ...cloudConfigInput(spec, files, users),
      kubeadmJoinConfiguration: join,
      certificates: certificateFiles(certificatePems(certificates), spec.clusterConfiguration),
    });
    await this.#storeBootstrapData(s, value);
    return { requeueAfterMs: tokenCheckIntervalMs(this.#ttlMs) };
  }

  /**
   * Fills in what the user left out of join discovery (upstream's reconcileDiscovery), in the spec, so the
   * token is known on later reconciles: with file discovery, the kubeconfig's server and CA; otherwise the
   * cluster CA pins, the Cluster's endpoint and a new bootstrap token in the workload cluster. Returns a
   * requeue while the Cluster has no endpoint.
   */
  async #reconcileDiscovery(s: Scope, certificates: ClusterCertificates): Promise<Result | undefined> {
    const { config, cluster } = s;
    const spec = (config.spec ??= {});
    const joinConfiguration = (spec.joinConfiguration ??= {});
    const discovery = (joinConfiguration.discovery ??= {});
    const endpoint = cluster.spec?.controlPlaneEndpoint;
    const endpointValid = !!endpoint?.host && !!endpoint.port;

    if (isSet(discovery.file)) {
      const kubeConfig = discovery.file?.kubeConfig;
      if (!kubeConfig || !isSet(kubeConfig)) return undefined;
      const c = (kubeConfig.cluster ??= {});
      if (!c.server) {
        if (!endpointValid) return this.#waitForEndpoint(s);
        c.server = `https://${joinHostPort(endpoint.host!, endpoint.port!)}`;
      }
      if (!c.certificateAuthorityData) {
        c.certificateAuthorityData = Buffer.from(
          certificates.certificatePem(SecretPurpose.ClusterCA),
          'utf8',
        ).toString('base64');
      }
      return undefined;
    }

    const token = (discovery.bootstrapToken ??= {});
    if (!token.caCertHashes?.length) {
      token.caCertHashes = caCertHashes(certificates.certificatePem(SecretPurpose.ClusterCA));
    }
    if (!token.apiServerEndpoint) {
      if (!endpointValid) return this.#waitForEndpoint(s);
      token.apiServerEndpoint = joinHostPort(endpoint.host!, endpoint.port!);
    }
    if (!token.token) {
      const client = this.#o.workloadClusters.getClient(clusterKey(cluster));
      token.token = await createBootstrapToken(client, {
        ttlMs: this.#ttlMs,
        nowMs: this.#now(),
        signal: s.signal,
      });
      s.log.info('created a bootstrap token for the joining machine');
    }
    if (!token.caCertHashes.length) {
      s.log.info(
        'No CAs were provided. Falling back to insecure discover method by skipping CA Cert validation',
      );
      token.unsafeSkipCAVerification = true;
    }
    return undefined;
  }

  #waitForEndpoint(s: Scope): Result {
    s.log.info('Waiting for Cluster Controller to set Cluster.Spec.ControlPlaneEndpoint');
    return { requeueAfterMs: WAIT_FOR_ENDPOINT_MS };
  }

  /**
   * spec.files and spec.users with their Secret references read and Template files rendered with the control
   * plane's version; failures are reported on DataSecretAvailable (upstream's messages) and thrown, so the
   * reconcile is retried (a missing Secret may be created later).
   */
  async #resolveFilesAndUsers(s: Scope): Promise<{ files: CloudInitFile[]; users: CloudInitUser[] }> {
    const { config } = s;
    const spec = config.spec ?? {};
    const namespace = config.metadata.namespace ?? '';
    let files: CloudInitFile[];
    try {
      const secretValue = await readSecretValues(
        this.#o.apiClient,
        namespace,
        fileSecretRefs(spec),
        s.signal,
      );
      const controlPlaneVersion = await this.#controlPlaneVersionForTemplates(s);
      files = resolveFiles(spec.files, {
        secretValue,
        ...(controlPlaneVersion ? { controlPlaneVersion } : {}),
      });
    } catch (err) {
      setDataSecretNotAvailable(config, `Failed to prepare spec.files: ${errorText(err)}`);
      throw err;
    }
    let users: CloudInitUser[];
    try {
      const secretValue = await readSecretValues(
        this.#o.apiClient,
        namespace,
        userSecretRefs(spec),
        s.signal,
      );
      users = resolveUsers(spec.users, { secretValue });
    } catch (err) {
      setDataSecretNotAvailable(
        config,
        `Failed to read password from secrets for spec.users: ${errorText(err)}`,
      );
      throw err;
    }
    const file = spec.joinConfiguration?.discovery?.file;
    const kubeconfig = file && isSet(file.kubeConfig) ? discoveryKubeconfigFile(file) : undefined;
    if (kubeconfig) files.push(kubeconfig);
    return { files, users };
  }

  /**
   * `.controlPlane.version` of Template files: `spec.version` of the Cluster's control plane object
   * (upstream's getControlPlaneVersion, through the control plane contract). Read only when a file is a
   * Template; undefined without a control plane reference or version.
   */
  async #controlPlaneVersionForTemplates(s: Scope): Promise<string | undefined> {
    const templates = (s.config.spec?.files ?? []).some(
      (f) => f.contentFormat === FileContentFormat.Template,
    );
    const ref = s.cluster.spec?.controlPlaneRef;
    if (!templates || !ref?.name) return undefined;
    const cp = await getExternal(this.#o.apiClient, this.#resolver, s.cluster.metadata.namespace, ref);
    if (!cp) throw new Error(`failed to read control plane version: ${ref.kind} ${ref.name} not found`);
    return ControlPlane.version(cp.object);
  }

  /**
   * Writes the data Secret (named after the config, type `cluster.x-k8s.io/secret`, cluster label, controlled
   * by the config) and records it in the status. A Secret left by an earlier attempt whose status patch was
   * lost is overwritten.
   */
  async #storeBootstrapData(s: Scope, value: string): Promise<void> {
    const { config, cluster } = s;
    const format = config.spec?.format || Format.CloudConfig;
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
    const secret: DataSecret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: CLUSTER_SECRET_TYPE,
      metadata: {
        name: config.metadata.name,
        namespace: config.metadata.namespace,
        labels: { [Label.ClusterName]: cluster.metadata.name ?? '' },
        ownerReferences: [this.#configOwnerReference(config)],
      },
      data: { [BootstrapDataSecretKey.Value]: b64(value), [BootstrapDataSecretKey.Format]: b64(format) },
    };
    try {
      await this.#o.apiClient.create(secret, { signal: s.signal });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      s.log.info(
        { secret: secret.metadata.name },
        'Bootstrap data secret for KubeadmConfig already exists, updating',
      );
      const existing = await this.#o.apiClient.get<DataSecret>(SecretType, {
        namespace: secret.metadata.namespace,
        name: secret.metadata.name!,
      });
      await this.#o.apiClient.update(
        { ...secret, metadata: { ...secret.metadata, resourceVersion: existing.metadata.resourceVersion } },
        { signal: s.signal },
      );
    }
    const status = (config.status ??= {});
    status.dataSecretName = secret.metadata.name;
    status.initialization = { ...status.initialization, dataSecretCreated: true };
    setDataSecretAvailable(config);
  }

  #configOwnerReference(config: Stored<KubeadmConfig>): OwnerReference {
    return {
      apiVersion: API_VERSION,
      kind: 'KubeadmConfig',
      name: config.metadata.name ?? '',
      uid: config.metadata.uid ?? '',
      controller: true,
    };
  }

  /**
   * The data Secret is controlled by its KubeadmConfig (upstream's ensureBootstrapSecretOwnersRef; after a move
   * the uid changes). A Secret controlled by something of another kind is an error.
   */
  async #ensureDataSecretOwner(s: Scope): Promise<void> {
    const { config } = s;
    let secret: DataSecret;
    try {
      secret = await this.#o.apiClient.get<DataSecret>(
        SecretType,
        { namespace: config.metadata.namespace, name: config.metadata.name ?? '' },
        { signal: s.signal },
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const desired = this.#configOwnerReference(config);
    const refs = secret.metadata.ownerReferences ?? [];
    const exact = (r: OwnerReference): boolean =>
      r.apiVersion === desired.apiVersion &&
      r.kind === desired.kind &&
      r.name === desired.name &&
      r.uid === desired.uid &&
      r.controller === true &&
      r.blockOwnerDeletion === undefined;
    if (refs.some(exact)) return;
    const controller = getControllerOf(secret);
    if (controller && controller.kind !== desired.kind) {
      throw new Error(
        `could not add KubeadmConfig ${config.metadata.name} as ownerReference to bootstrap Secret ${secret.metadata.name}, it is already controlled by ${controller.kind} ${controller.name}`,
      );
    }
    const replaced = refs.some((r) => referSameObject(r, desired));
    const ownerReferences = replaced
      ? refs.map((r) => (referSameObject(r, desired) ? desired : r))
      : [...refs, desired];
    await this.#o.apiClient.patch(
      secret,
      {
        type: 'merge',
        data: { metadata: { resourceVersion: secret.metadata.resourceVersion, ownerReferences } },
      },
      { signal: s.signal },
    );
  }
}

const SecretType: TypeRef = { apiVersion: 'v1', kind: 'Secret' };

interface DataSecret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

function setDataSecretAvailable(config: Stored<KubeadmConfig>): void {
  setCondition(config, {
    type: KubeadmConfigConditionType.DataSecretAvailable,
    status: 'True',
    reason: KubeadmConfigReason.DataSecretAvailable.Available,
  });
}

function setDataSecretNotAvailable(config: Stored<KubeadmConfig>, message: string): void {
  setCondition(config, {
    type: KubeadmConfigConditionType.DataSecretAvailable,
    status: 'False',
    reason: KubeadmConfigReason.DataSecretAvailable.NotAvailable,
    message,
  });
}

function setCertificatesAvailable(config: Stored<KubeadmConfig>): void {
  setCondition(config, {
    type: KubeadmConfigConditionType.CertificatesAvailable,
    status: 'True',
    reason: KubeadmConfigReason.CertificatesAvailable.Available,
  });
}

/**
 * Upstream reports "Please check controller logs for errors"; our errors name the Secret and key at fault, which
 * is what the user needs, so the message carries them.
 */
function setCertificatesError(config: Stored<KubeadmConfig>, err: unknown): void {
  setCondition(config, {
    type: KubeadmConfigConditionType.CertificatesAvailable,
    status: 'Unknown',
    reason: KubeadmConfigReason.CertificatesAvailable.InternalError,
    message: errorText(err),
  });
}

/**
 * Runs kubeadm marshalling, which needs a Kubernetes version kubeadm's APIs cover: a version that does not parse
 * or is too old is reported on DataSecretAvailable and is terminal (a new Machine version brings the config back).
 */
function versioned<T>(config: Stored<KubeadmConfig>, marshal: () => T): T {
  try {
    return marshal();
  } catch (err) {
    if (isInvalidKubernetesVersion(err) || isUnsupportedKubernetesVersion(err)) {
      setDataSecretNotAvailable(config, errorText(err));
      throw new TerminalError(errorText(err), { cause: err });
    }
    throw err;
  }
}

/** The spec fields every kind of cloud-config takes. */
function cloudConfigInput(
  spec: KubeadmConfigSpec,
  files: CloudInitFile[],
  users: CloudInitUser[],
): CloudConfigInput {
  return {
    files,
    users,
    ...(spec.ntp ? { ntp: spec.ntp } : {}),
    ...(spec.diskSetup ? { diskSetup: spec.diskSetup } : {}),
    ...(spec.mounts ? { mounts: spec.mounts } : {}),
    ...(spec.bootCommands ? { bootCommands: spec.bootCommands } : {}),
    ...(spec.preKubeadmCommands ? { preKubeadmCommands: spec.preKubeadmCommands } : {}),
    ...(spec.postKubeadmCommands ? { postKubeadmCommands: spec.postKubeadmCommands } : {}),
    ...(spec.verbosity !== undefined ? { verbosity: spec.verbosity } : {}),
  };
}

/** The key pairs of the set, as the certificate files take them. */
function certificatePems(certificates: ClusterCertificates): ClusterCertificatePems {
  const pair = (purpose: CertificatePurpose): CertificateKeyPairPem | undefined => {
    const c = certificates.get(purpose);
    if (!c?.certificatePem) return undefined;
    return { cert: c.certificatePem, ...(c.privateKeyPem ? { key: c.privateKeyPem } : {}) };
  };
  const pems: ClusterCertificatePems = {};
  const set = (field: keyof ClusterCertificatePems, purpose: CertificatePurpose): void => {
    const p = pair(purpose);
    if (p) pems[field] = p;
  };
  set('clusterCA', SecretPurpose.ClusterCA);
  set('etcdCA', SecretPurpose.EtcdCA);
  set('frontProxyCA', SecretPurpose.FrontProxyCA);
  set('serviceAccount', SecretPurpose.ServiceAccount);
  set('apiServerEtcdClient', SecretPurpose.APIServerEtcdClient);
  return pems;
}
