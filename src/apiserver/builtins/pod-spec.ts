/**
 * PodSpec / Container / PodTemplateSpec schemas and the defaulting kube-apiserver applies to them
 * (`pkg/apis/core/v1/defaults.go`), shared by Pod, Deployment and DaemonSet.
 *
 * The schemas list the commonly used fields with their list semantics and keep unknown fields
 * (`x-kubernetes-preserve-unknown-fields`), so rarely used upstream fields survive without being modelled.
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import { ensureObject, getArray, getObjects, isObject, type JsonObject } from './object-access.js';
import {
  atomicList,
  bool,
  int32,
  int64,
  localObjectReference,
  mapList,
  obj,
  objectMeta,
  openObj,
  quantityMap,
  str,
  stringList,
  stringMap,
  time,
  type Schema,
} from './schema-builders.js';
import { isDNS1123Label } from './validation-helpers.js';

const withRetainKeys = (schema: Schema): Schema => ({
  ...schema,
  'x-kubernetes-patch-strategy': 'merge,retainKeys',
});

function containerProperties(): Record<string, Schema> {
  return {
    name: str('Name of the container, a DNS label unique in the pod.'),
    image: str('Container image reference.'),
    command: stringList('Entrypoint; replaces the image ENTRYPOINT.'),
    args: stringList('Arguments; replace the image CMD.'),
    workingDir: str('Working directory.'),
    ports: mapList(
      'Ports the container exposes.',
      obj('A container port.', {
        name: str('IANA_SVC_NAME, unique in the pod.'),
        hostPort: int32('Port on the host.'),
        containerPort: int32('Port on the pod IP.'),
        protocol: str('TCP, UDP or SCTP.', { default: 'TCP' }),
        hostIP: str('Host IP to bind to.'),
      }),
      ['containerPort', 'protocol'],
      { mergeKey: 'containerPort' },
    ),
    envFrom: atomicList('Sources of environment variables.', openObj('A ConfigMap or Secret source.')),
    env: mapList(
      'Environment variables.',
      obj('An environment variable.', {
        name: str('Variable name.'),
        value: str('Literal value.'),
        valueFrom: openObj('Where the value comes from.'),
      }),
      ['name'],
      { mergeKey: 'name' },
    ),
    resources: obj('Compute resources.', {
      limits: quantityMap('Maximum amounts.'),
      requests: quantityMap('Minimum amounts.'),
      claims: mapList(
        'Resource claims used.',
        obj('A claim.', { name: str('Claim name.'), request: str('Request name.') }),
        ['name'],
      ),
    }),
    resizePolicy: atomicList(
      'How resources may be resized.',
      obj('A resize policy.', {
        resourceName: str('Resource.'),
        restartPolicy: str('NotRequired or RestartContainer.'),
      }),
    ),
    restartPolicy: str('Always for sidecar init containers.'),
    volumeMounts: mapList(
      'Volumes mounted into the container.',
      obj('A volume mount.', {
        name: str('Volume name.'),
        readOnly: bool('Mount read-only.'),
        recursiveReadOnly: str('Recursive read-only mode.'),
        mountPath: str('Path in the container.'),
        subPath: str('Sub-path of the volume.'),
        mountPropagation: str('Propagation mode.'),
        subPathExpr: str('Expanded sub-path.'),
      }),
      ['mountPath'],
      { mergeKey: 'mountPath' },
    ),
    volumeDevices: mapList(
      'Block devices used.',
      obj('A volume device.', {
        name: str('Volume name.'),
        devicePath: str('Device path in the container.'),
      }),
      ['devicePath'],
      { mergeKey: 'devicePath' },
    ),
    livenessProbe: openObj('Restarts the container when failing.'),
    readinessProbe: openObj('Removes the pod from endpoints when failing.'),
    startupProbe: openObj('Delays other probes until it succeeds.'),
    lifecycle: openObj('postStart and preStop hooks.'),
    terminationMessagePath: str('Where the termination message is written.'),
    terminationMessagePolicy: str('File or FallbackToLogsOnError.'),
    imagePullPolicy: str('Always, Never or IfNotPresent.'),
    securityContext: openObj('Container security options.'),
    stdin: bool('Allocate a stdin buffer.'),
    stdinOnce: bool('Close stdin after the first attach.'),
    tty: bool('Allocate a TTY.'),
  };
}

export const containerSchema = (): Schema => openObj('A container of the pod.', containerProperties());

const ephemeralContainerSchema = (): Schema =>
  openObj('A temporary debugging container.', {
    ...containerProperties(),
    targetContainerName: str('Container whose namespaces to join.'),
  });

export const podSpecSchema = (): Schema =>
  openObj('Desired state of a pod.', {
    volumes: withRetainKeys(
      mapList(
        'Volumes the containers can mount.',
        openObj('A volume.', { name: str('Volume name.') }),
        ['name'],
        {
          mergeKey: 'name',
        },
      ),
    ),
    initContainers: mapList('Containers run to completion before the others.', containerSchema(), ['name'], {
      mergeKey: 'name',
    }),
    containers: mapList('Containers of the pod.', containerSchema(), ['name'], { mergeKey: 'name' }),
    ephemeralContainers: mapList('Debugging containers.', ephemeralContainerSchema(), ['name'], {
      mergeKey: 'name',
    }),
    restartPolicy: str('Always, OnFailure or Never.'),
    terminationGracePeriodSeconds: int64('Seconds to wait between SIGTERM and SIGKILL.'),
    activeDeadlineSeconds: int64('Seconds the pod may run before it is failed.'),
    dnsPolicy: str('ClusterFirst, ClusterFirstWithHostNet, Default or None.'),
    nodeSelector: stringMap('Labels a node must have to run the pod.', true),
    serviceAccountName: str('Service account the pod runs as.'),
    serviceAccount: str('Deprecated alias of serviceAccountName.'),
    automountServiceAccountToken: bool('Whether a token is mounted automatically.'),
    nodeName: str('Node the pod is bound to.'),
    hostNetwork: bool('Use the host network namespace.'),
    hostPID: bool('Use the host PID namespace.'),
    hostIPC: bool('Use the host IPC namespace.'),
    shareProcessNamespace: bool('Share one process namespace between containers.'),
    securityContext: openObj('Pod-level security options.'),
    imagePullSecrets: mapList('Secrets used to pull images.', localObjectReference(), ['name'], {
      mergeKey: 'name',
    }),
    hostname: str('Hostname of the pod.'),
    subdomain: str('Subdomain of the pod.'),
    affinity: openObj('Scheduling affinity rules.'),
    schedulerName: str('Scheduler that places the pod.'),
    tolerations: atomicList(
      'Taints the pod tolerates.',
      obj('A toleration.', {
        key: str('Taint key.'),
        operator: str('Exists or Equal.'),
        value: str('Taint value.'),
        effect: str('NoSchedule, PreferNoSchedule or NoExecute.'),
        tolerationSeconds: int64('How long a NoExecute taint is tolerated.'),
      }),
    ),
    hostAliases: mapList(
      'Extra /etc/hosts entries.',
      obj('A hosts entry.', { ip: str('IP address.'), hostnames: stringList('Names for the IP.') }),
      ['ip'],
      { mergeKey: 'ip' },
    ),
    priorityClassName: str('Priority class of the pod.'),
    priority: int32('Resolved priority.'),
    dnsConfig: openObj('Extra DNS settings.'),
    readinessGates: atomicList(
      'Extra readiness conditions.',
      obj('A gate.', { conditionType: str('Condition type.') }),
    ),
    runtimeClassName: str('RuntimeClass to run the pod with.'),
    enableServiceLinks: bool('Inject service environment variables.'),
    preemptionPolicy: str('PreemptLowerPriority or Never.'),
    overhead: quantityMap('Resource overhead of the runtime.'),
    topologySpreadConstraints: mapList(
      'How pods spread across topology domains.',
      openObj('A spread constraint.', {
        maxSkew: int32('Allowed imbalance.'),
        topologyKey: str('Node label defining domains.'),
        whenUnsatisfiable: str('DoNotSchedule or ScheduleAnyway.'),
      }),
      ['topologyKey', 'whenUnsatisfiable'],
      { mergeKey: 'topologyKey' },
    ),
    setHostnameAsFQDN: bool('Use the FQDN as hostname.'),
    os: obj('Operating system of the pod.', { name: str('linux or windows.') }),
    hostUsers: bool('Use the host user namespace.'),
    schedulingGates: mapList(
      'Gates that hold scheduling.',
      obj('A gate.', { name: str('Gate name.') }),
      ['name'],
      {
        mergeKey: 'name',
      },
    ),
    resourceClaims: withRetainKeys(
      mapList('Dynamic resource claims.', openObj('A claim.', { name: str('Claim name.') }), ['name'], {
        mergeKey: 'name',
      }),
    ),
    resources: openObj('Pod-level resources.'),
  });

export const podTemplateSpecSchema = (): Schema =>
  obj('Template for the pods to create.', { metadata: objectMeta(), spec: podSpecSchema() });

const containerState = (): Schema =>
  obj('State of a container.', {
    waiting: obj('Not running yet.', { reason: str('Why.'), message: str('Details.') }),
    running: obj('Running.', { startedAt: time('When it started.') }),
    terminated: obj('Finished.', {
      exitCode: int32('Exit code.'),
      signal: int32('Signal.'),
      reason: str('Why.'),
      message: str('Details.'),
      startedAt: time('When it started.'),
      finishedAt: time('When it finished.'),
      containerID: str('Container id.'),
    }),
  });

const containerStatus = (): Schema =>
  openObj('Status of one container.', {
    name: str('Container name.'),
    state: containerState(),
    lastState: containerState(),
    ready: bool('Passed its readiness probe.'),
    restartCount: int32('Restarts so far.'),
    image: str('Image running.'),
    imageID: str('Image digest.'),
    containerID: str('Runtime container id.'),
    started: bool('Passed its startup probe.'),
    allocatedResources: quantityMap('Resources allocated by the node.'),
  });

export const podStatusSchema = (): Schema =>
  openObj('Observed state of a pod.', {
    phase: str('Pending, Running, Succeeded, Failed or Unknown.'),
    conditions: mapList(
      'Pod conditions.',
      obj('A pod condition.', {
        type: str('Condition type.'),
        status: str('True, False or Unknown.'),
        lastProbeTime: time('Last probe.'),
        lastTransitionTime: time('Last status change.'),
        reason: str('Machine-readable reason.'),
        message: str('Details.'),
      }),
      ['type'],
      { mergeKey: 'type' },
    ),
    message: str('Why the pod is in this state.'),
    reason: str('Short reason, e.g. Evicted.'),
    nominatedNodeName: str('Node the scheduler nominated for preemption.'),
    hostIP: str('IP of the node.'),
    hostIPs: mapList('IPs of the node.', obj('An IP.', { ip: str('Address.') }), ['ip'], {
      mergeKey: 'ip',
      listType: 'atomic',
    }),
    podIP: str('IP of the pod.'),
    podIPs: mapList('IPs of the pod.', obj('An IP.', { ip: str('Address.') }), ['ip'], { mergeKey: 'ip' }),
    startTime: time('When the node accepted the pod.'),
    initContainerStatuses: atomicList('Init container statuses.', containerStatus()),
    containerStatuses: atomicList('Container statuses.', containerStatus()),
    ephemeralContainerStatuses: atomicList('Ephemeral container statuses.', containerStatus()),
    qosClass: str('Guaranteed, Burstable or BestEffort.'),
    resize: str('Resize status.'),
  });

/** The tag of an image reference (`latest` when neither tag nor digest is given). */
export function imageTag(image: string): string | undefined {
  const [name = '', digest] = image.split('@');
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) return name.slice(colon + 1);
  return digest === undefined ? 'latest' : undefined;
}

function applyContainerDefaults(c: JsonObject, hostNetwork: boolean): void {
  if (!c.imagePullPolicy) {
    c.imagePullPolicy =
      imageTag(typeof c.image === 'string' ? c.image : '') === 'latest' ? 'Always' : 'IfNotPresent';
  }
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  for (const port of getObjects(c, 'ports')) {
    port.protocol ??= 'TCP';
    if (hostNetwork && port.hostPort === undefined) port.hostPort = port.containerPort;
  }
}

/** SetDefaults_PodSpec (and container defaults); used for pods and pod templates alike. */
export function applyPodSpecDefaults(spec: JsonObject): void {
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  ensureObject(spec, 'securityContext');
  // The v1 conversion keeps the deprecated alias in step with serviceAccountName.
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of [...getObjects(spec, 'initContainers'), ...getObjects(spec, 'containers')]) {
    applyContainerDefaults(c, hostNetwork);
  }
}

/** SetDefaults_Pod additions: requests default to limits; service links on. */
export function applyPodOnlyDefaults(spec: JsonObject): void {
  spec.enableServiceLinks ??= true;
  for (const c of [...getObjects(spec, 'initContainers'), ...getObjects(spec, 'containers')]) {
    const resources = isObject(c.resources) ? c.resources : undefined;
    const limits = resources && isObject(resources.limits) ? resources.limits : undefined;
    if (!resources || !limits) continue;
    const requests = ensureObject(resources, 'requests');
    for (const [k, v] of Object.entries(limits)) requests[k] ??= v;
  }
}

const SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a resource.Quantity (NaN when it does not parse). */
export function quantityValue(q: unknown): number {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return Number.NaN;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(q.trim());
  if (!m) return Number.NaN;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * (SUFFIXES[m[3] ?? ''] ?? Number.NaN);
}

/** The QoS class of a pod spec (`qos.GetPodQOS`, cpu and memory only). */
export function podQOSClass(spec: JsonObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const containers = [...getObjects(spec, 'initContainers'), ...getObjects(spec, 'containers')];
  for (const c of containers) {
    const res = isObject(c.resources) ? c.resources : {};
    const add = (target: Map<string, number>, list: unknown, found?: Set<string>) => {
      if (!isObject(list)) return;
      for (const [name, q] of Object.entries(list)) {
        if (name !== 'cpu' && name !== 'memory') continue;
        const v = quantityValue(q);
        if (!(v > 0)) continue;
        target.set(name, (target.get(name) ?? 0) + v);
        found?.add(name);
      }
    };
    add(requests, res.requests);
    const limitsFound = new Set<string>();
    add(limits, res.limits, limitsFound);
    if (!limitsFound.has('cpu') || !limitsFound.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, v] of requests) if (limits.get(name) !== v) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** All container names of a spec in declaration order (init first). */
export function containerNames(spec: unknown): string[] {
  return [...getArray(spec, 'initContainers'), ...getArray(spec, 'containers')]
    .map((c) => (isObject(c) && typeof c.name === 'string' ? c.name : ''))
    .filter(Boolean);
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/**
 * The subset of `ValidatePodSpec` the embedded server enforces: containers present, names valid and unique,
 * images set, container ports in range, restart policy known.
 */
export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const containers = getArray(spec, 'containers');
  if (containers.length === 0) errs.push(fieldErrors.required(`${path}.containers`));
  const check = (list: unknown[], listPath: string) =>
    list.forEach((c, i) => {
      const at = `${listPath}[${i}]`;
      const name = isObject(c) && typeof c.name === 'string' ? c.name : '';
      if (!name) errs.push(fieldErrors.required(`${at}.name`));
      else {
        for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${at}.name`, name, m));
        if (seen.has(name)) errs.push(fieldErrors.duplicate(`${at}.name`, name));
        seen.add(name);
      }
      if (!isObject(c) || typeof c.image !== 'string' || c.image.trim() === '') {
        errs.push(fieldErrors.required(`${at}.image`));
      }
      getArray(c, 'ports').forEach((p, j) => {
        const portPath = `${at}.ports[${j}]`;
        const port = isObject(p) ? p.containerPort : undefined;
        if (typeof port !== 'number' || port < 1 || port > 65535) {
          errs.push(
            fieldErrors.invalid(
              `${portPath}.containerPort`,
              port ?? 0,
              'must be between 1 and 65535, inclusive',
            ),
          );
        }
        const protocol = isObject(p) ? p.protocol : undefined;
        if (typeof protocol === 'string' && !PROTOCOLS.includes(protocol)) {
          errs.push(fieldErrors.notSupported(`${portPath}.protocol`, protocol, PROTOCOLS));
        }
      });
    });
  check(getArray(spec, 'initContainers'), `${path}.initContainers`);
  check(containers, `${path}.containers`);
  const restart = isObject(spec) ? spec.restartPolicy : undefined;
  if (typeof restart === 'string' && !RESTART_POLICIES.includes(restart)) {
    errs.push(fieldErrors.notSupported(`${path}.restartPolicy`, restart, RESTART_POLICIES));
  }
  return errs;
}
