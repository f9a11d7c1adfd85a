/**
 * Service (core/v1, `svc`, category `all`) with `status`. Upstream: `SetDefaults_Service`,
 * `pkg/registry/core/service` (IP and node-port allocation), `ValidateService` (subset), printer
 * `printService`.
 *
 * The embedded server has no allocator shared across objects: a missing cluster IP is drawn at random from
 * 10.96.0.0/12 (skipping .0.1 and .0.10, the conventional `kubernetes` and DNS addresses) and node ports
 * from 30000-32767. Collisions are possible but unlikely at simulation scale.
 */
import { randomInt } from 'node:crypto';
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  ageColumn,
  builtinStrategy,
  column,
  creationTimestamp,
  defineBuiltin,
  nameColumn,
  objectName,
} from './define.js';
import { ensureObject, getArray, getObject, getObjects, getString, isObject, text } from './object-access.js';
import {
  atomicList,
  bool,
  int32,
  intOrString,
  kindSchema,
  mapList,
  metav1Conditions,
  obj,
  openObj,
  str,
  stringList,
  stringMap,
} from './schema-builders.js';
import { formatLabels, isDNS1123Label, nameIsDNS1035Label } from './validation-helpers.js';

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

const needsClusterIP = (type: unknown) => type !== 'ExternalName';
const needsNodePorts = (type: unknown) => type === 'NodePort' || type === 'LoadBalancer';

/** A random address in 10.96.0.0/12 other than the reserved low ones. */
export function randomClusterIP(): string {
  for (;;) {
    const n = randomInt(1, 1 << 20);
    if (n === 1 || n === 10) continue;
    return `10.${96 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`;
  }
}

function applyServiceDefaults(svc: KubeObject): void {
  const spec = ensureObject(svc, 'spec');
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const port of getObjects(spec, 'ports')) {
    port.protocol ??= 'TCP';
    port.targetPort ??= port.port;
  }
  if (needsClusterIP(spec.type)) {
    spec.internalTrafficPolicy ??= 'Cluster';
    if (typeof spec.clusterIP === 'string' && spec.clusterIP && getArray(spec, 'clusterIPs').length === 0) {
      spec.clusterIPs = [spec.clusterIP];
    }
  }
  if (needsNodePorts(spec.type)) spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

/** What the service REST storage allocates: cluster IP, IP family fields, node ports. */
function allocate(svc: KubeObject): void {
  const spec = ensureObject(svc, 'spec');
  if (needsClusterIP(spec.type)) {
    if (!spec.clusterIP) {
      spec.clusterIP = randomClusterIP();
      spec.clusterIPs = [spec.clusterIP];
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }
  if (needsNodePorts(spec.type) && spec.allocateLoadBalancerNodePorts !== false) {
    const used = new Set(getObjects(spec, 'ports').map((p) => p.nodePort));
    for (const port of getObjects(spec, 'ports')) {
      if (typeof port.nodePort === 'number' && port.nodePort > 0) continue;
      let candidate: number;
      do candidate = randomInt(30000, 32768);
      while (used.has(candidate));
      used.add(candidate);
      port.nodePort = candidate;
    }
  }
}

/** patchAllocatedValues: an update that omits allocated values keeps the old ones. */
function keepAllocated(svc: KubeObject, old: KubeObject): void {
  const spec = ensureObject(svc, 'spec');
  const oldSpec = getObject(old, 'spec') ?? {};
  if (needsClusterIP(spec.type) && needsClusterIP(oldSpec.type)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (getArray(spec, 'clusterIPs').length === 0 && getArray(oldSpec, 'clusterIPs').length > 0) {
      spec.clusterIPs = [...getArray(oldSpec, 'clusterIPs')];
    }
    spec.ipFamilies ??= oldSpec.ipFamilies;
    spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
  }
  if (needsNodePorts(spec.type) && needsNodePorts(oldSpec.type)) {
    const byName = new Map(getObjects(oldSpec, 'ports').map((p) => [p.name ?? '', p.nodePort]));
    for (const port of getObjects(spec, 'ports')) {
      if (!port.nodePort && byName.get(port.name ?? '') !== undefined)
        port.nodePort = byName.get(port.name ?? '');
    }
  }
}

function validateService(svc: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const spec = getObject(svc, 'spec') ?? {};
  const type = spec.type;
  if (typeof type !== 'string' || !SERVICE_TYPES.includes(type)) {
    errs.push(fieldErrors.notSupported('spec.type', type ?? '', SERVICE_TYPES));
  }
  const ports = getArray(spec, 'ports');
  if (ports.length === 0 && spec.clusterIP !== 'None' && type !== 'ExternalName') {
    errs.push(fieldErrors.required('spec.ports'));
  }
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const at = `spec.ports[${i}]`;
    const port = isObject(p) ? p : {};
    const name = typeof port.name === 'string' ? port.name : '';
    if (ports.length > 1 && !name) errs.push(fieldErrors.required(`${at}.name`));
    if (name) {
      for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${at}.name`, name, m));
      if (names.has(name)) errs.push(fieldErrors.duplicate(`${at}.name`, name));
      names.add(name);
    }
    if (typeof port.port !== 'number' || port.port < 1 || port.port > 65535) {
      errs.push(fieldErrors.invalid(`${at}.port`, port.port ?? 0, 'must be between 1 and 65535, inclusive'));
    }
    if (typeof port.protocol === 'string' && !PROTOCOLS.includes(port.protocol)) {
      errs.push(fieldErrors.notSupported(`${at}.protocol`, port.protocol, PROTOCOLS));
    }
  });
  if (type === 'ExternalName' && !getString(spec, 'externalName'))
    errs.push(fieldErrors.required('spec.externalName'));
  if (old) {
    const before = getArray(old, 'spec.clusterIPs')[0];
    const now = getArray(spec, 'clusterIPs')[0];
    if (needsClusterIP(type) && needsClusterIP(getObject(old, 'spec')?.type) && before && now !== before) {
      errs.push(fieldErrors.invalid('spec.clusterIPs[0]', now ?? '', 'may not change once set'));
    }
  }
  return errs;
}

/** EXTERNAL-IP as `getServiceExternalIP` computes it for wide output. */
function externalIP(svc: KubeObject): string {
  const spec = getObject(svc, 'spec') ?? {};
  const externalIPs = getArray(spec, 'externalIPs').map(String);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [
        ...new Set(
          getObjects(svc, 'status.loadBalancer.ingress')
            .map((i) =>
              typeof i.ip === 'string' && i.ip ? i.ip : typeof i.hostname === 'string' ? i.hostname : '',
            )
            .filter(Boolean),
        ),
      ].sort();
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',');
      return lb.length > 0 ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return getString(spec, 'externalName') ?? '';
    default:
      return '<unknown>';
  }
}

function portsText(svc: KubeObject): string {
  const joined = getObjects(svc, 'spec.ports')
    .map((p) => {
      const protocol = typeof p.protocol === 'string' ? p.protocol : '';
      const port = text(p.port) || '0';
      return typeof p.nodePort === 'number' && p.nodePort > 0
        ? `${port}:${p.nodePort}/${protocol}`
        : `${port}/${protocol}`;
    })
    .join(',');
  return joined || '<none>';
}

export const serviceDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  shortNames: ['svc'],
  categories: ['all'],
  namespaced: true,
  subresources: { status: true },
  nameValidator: nameIsDNS1035Label,
  schema: kindSchema('A stable network endpoint for a set of pods.', {
    spec: obj('Desired state of the service.', {
      ports: mapList(
        'Ports the service exposes.',
        obj('A service port.', {
          name: str('Port name, required when there are several.'),
          protocol: str('TCP, UDP or SCTP.', { default: 'TCP' }),
          appProtocol: str('Application protocol hint.'),
          port: int32('Port of the service.'),
          targetPort: intOrString('Port number or name on the pods.'),
          nodePort: int32('Port on every node (NodePort and LoadBalancer).'),
        }),
        ['port', 'protocol'],
        { mergeKey: 'port' },
      ),
      selector: stringMap('Labels of the pods traffic goes to.', true),
      clusterIP: str('Virtual IP of the service, or None for headless services.'),
      clusterIPs: stringList('Virtual IPs, one per IP family.'),
      type: str('ClusterIP, NodePort, LoadBalancer or ExternalName.'),
      externalIPs: stringList('Extra IPs the service accepts traffic on.'),
      sessionAffinity: str('ClientIP or None.'),
      loadBalancerIP: str('Deprecated requested load balancer IP.'),
      loadBalancerSourceRanges: stringList('Client CIDRs allowed through the load balancer.'),
      externalName: str('DNS name for ExternalName services.'),
      externalTrafficPolicy: str('Cluster or Local.'),
      healthCheckNodePort: int32('Health check port for Local traffic policy.'),
      publishNotReadyAddresses: bool('Publish addresses of pods that are not ready.'),
      sessionAffinityConfig: openObj('Session affinity settings.'),
      ipFamilies: stringList('IP families of the service.'),
      ipFamilyPolicy: str('SingleStack, PreferDualStack or RequireDualStack.'),
      allocateLoadBalancerNodePorts: bool('Whether LoadBalancer services get node ports.'),
      loadBalancerClass: str('Load balancer implementation.'),
      internalTrafficPolicy: str('Cluster or Local.'),
      trafficDistribution: str('Traffic distribution preference.'),
    }),
    status: obj('Observed state of the service.', {
      loadBalancer: obj('Load balancer state.', {
        ingress: atomicList(
          'Load balancer ingress points.',
          obj('An ingress point.', {
            ip: str('IP address.'),
            hostname: str('Host name.'),
            ipMode: str('VIP or Proxy.'),
            ports: atomicList('Port states.', openObj('A port status.')),
          }),
        ),
      }),
      conditions: metav1Conditions(),
    }),
  }),
  strategy: builtinStrategy(false, {
    prepareForCreate(svc) {
      applyServiceDefaults(svc);
      allocate(svc);
      svc.status = { loadBalancer: {} };
    },
    prepareForUpdate(svc, old) {
      applyServiceDefaults(svc);
      keepAllocated(svc, old);
      allocate(svc);
    },
    validate: validateService,
    returnDeletedObject: true,
  }),
  table: {
    columns: [
      nameColumn(),
      column('Type', 'string', 'Type of the service.'),
      column('Cluster-IP', 'string', 'Virtual IP of the service.'),
      column('External-IP', 'string', 'Addresses reachable from outside the cluster.'),
      column('Port(s)', 'string', 'Ports of the service.'),
      ageColumn(),
      column('Selector', 'string', 'Pod selector.', 1),
    ],
    cells: (svc) => [
      objectName(svc),
      getString(svc, 'spec.type') ?? '',
      text(getArray(svc, 'spec.clusterIPs')[0]) || '<none>',
      externalIP(svc),
      portsText(svc),
      creationTimestamp(svc),
      formatLabels(getObject(svc, 'spec')?.selector),
    ],
  },
});
