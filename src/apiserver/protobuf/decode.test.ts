import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import {
  canDecodeProtobufKind,
  decodeKubernetesProtobuf,
  KUBERNETES_PROTOBUF_MAGIC,
  kubernetesProtobufSchema,
  protobufDecodableKinds,
} from './decode.js';
import { ProtobufDecodeError } from './errors.js';
import { isKubernetesProtobuf } from './media-types.js';
import { concatBytes, encodeVarint, lengthDelimited } from './wire.js';

/**
 * An independent, hand-written subset of the upstream messages, encoded with protobufjs, so the decoder
 * is checked against a second implementation of the wire format.
 */
const PROTO = `
syntax = "proto2";
package t;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown {
  optional TypeMeta typeMeta = 1; optional bytes raw = 2;
  optional string contentEncoding = 3; optional string contentType = 4;
}
message Timestamp { optional int64 seconds = 1; optional int32 nanos = 2; }
message Quantity { optional string string = 1; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message FieldsV1 { optional bytes Raw = 1; }
message OwnerReference {
  optional string kind = 1; optional string name = 3; optional string uid = 4;
  optional string apiVersion = 5; optional bool controller = 6;
}
message ManagedFieldsEntry {
  optional string manager = 1; optional string operation = 2; optional string apiVersion = 3;
  optional Timestamp time = 4; optional string fieldsType = 6; optional FieldsV1 fieldsV1 = 7;
}
message ObjectMeta {
  optional string name = 1; optional string namespace = 3; optional string uid = 5;
  optional int64 generation = 7; optional Timestamp creationTimestamp = 8;
  optional Timestamp deletionTimestamp = 9;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}
message LeaseSpec {
  optional string holderIdentity = 1; optional int32 leaseDurationSeconds = 2;
  optional Timestamp acquireTime = 3; optional Timestamp renewTime = 4; optional int32 leaseTransitions = 5;
}
message Lease { optional ObjectMeta metadata = 1; optional LeaseSpec spec = 2; }
message ObjectReference {
  optional string kind = 1; optional string namespace = 2; optional string name = 3;
  optional string uid = 4; optional string apiVersion = 5; optional string fieldPath = 7;
}
message EventSource { optional string component = 1; optional string host = 2; }
message EventSeries { optional int32 count = 1; optional Timestamp lastObservedTime = 2; }
message Event {
  optional ObjectMeta metadata = 1; optional ObjectReference involvedObject = 2;
  optional string reason = 3; optional string message = 4; optional EventSource source = 5;
  optional Timestamp firstTimestamp = 6; optional Timestamp lastTimestamp = 7; optional int32 count = 8;
  optional string type = 9; optional Timestamp eventTime = 10; optional EventSeries series = 11;
  optional string reportingComponent = 14; optional string reportingInstance = 15;
}
message PolicyRule {
  repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3;
  repeated string resourceNames = 4; repeated string nonResourceURLs = 5;
}
message Role { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message Subject { optional string kind = 1; optional string apiGroup = 2; optional string name = 3; optional string namespace = 4; }
message RoleRef { optional string apiGroup = 1; optional string kind = 2; optional string name = 3; }
message RoleBinding { optional ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions {
  optional int64 gracePeriodSeconds = 1; optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3; optional string propagationPolicy = 4; repeated string dryRun = 5;
}
message Eviction { optional ObjectMeta metadata = 1; optional DeleteOptions deleteOptions = 2; }
message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
message Secret {
  optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3;
  map<string, string> stringData = 4; optional bool immutable = 5;
}
message ResourceRequirements { map<string, Quantity> limits = 1; map<string, Quantity> requests = 2; }
message ContainerPort { optional string name = 1; optional int32 containerPort = 3; }
message HTTPGetAction { optional string path = 1; optional IntOrString port = 2; }
message ProbeHandler { optional HTTPGetAction httpGet = 2; }
message Probe { optional ProbeHandler handler = 1; optional int32 periodSeconds = 4; }
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3;
  repeated ContainerPort ports = 6; optional ResourceRequirements resources = 8;
  optional Probe readinessProbe = 11; optional bool tty = 18;
}
message LocalObjectReference { optional string name = 1; }
message ConfigMapVolumeSource { optional LocalObjectReference ref = 1; optional int32 defaultMode = 3; }
message VolumeSource { optional ConfigMapVolumeSource configMap = 19; }
message Volume { optional string name = 1; optional VolumeSource source = 2; }
message PodSpec { repeated Volume volumes = 1; repeated Container containers = 2; optional string nodeName = 10; }
message Pod { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }
message Taint { optional string key = 1; optional string value = 2; optional string effect = 3; optional Timestamp timeAdded = 4; }
message NodeSpec { optional string providerID = 3; optional bool unschedulable = 4; repeated Taint taints = 5; }
message Node { optional ObjectMeta metadata = 1; optional NodeSpec spec = 2; }
message ResourceAttributes {
  optional string namespace = 1; optional string verb = 2; optional string group = 3; optional string version = 4;
  optional string resource = 5; optional string subresource = 6; optional string name = 7;
}
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message ExtraValue { repeated string items = 1; }
message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2;
  optional string user = 3; repeated string groups = 4; map<string, ExtraValue> extra = 5;
}
message SubjectAccessReview { optional ObjectMeta metadata = 1; optional SubjectAccessReviewSpec spec = 2; }
message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uID = 4; }
message TokenRequestSpec { repeated string audiences = 1; optional BoundObjectReference boundObjectRef = 3; optional int64 expirationSeconds = 4; }
message TokenRequest { optional ObjectMeta metadata = 1; optional TokenRequestSpec spec = 2; }
message PodDisruptionBudgetSpec { optional IntOrString minAvailable = 1; optional IntOrString maxUnavailable = 3; }
message PodDisruptionBudget { optional ObjectMeta metadata = 1; optional PodDisruptionBudgetSpec spec = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;

function encode(type: string, value: Record<string, unknown>): Uint8Array {
  const t = root.lookupType(`t.${type}`);
  const problem = t.verify(value);
  if (problem) throw new Error(`test fixture ${type}: ${problem}`);
  return t.encode(t.fromObject(value)).finish();
}

/** `k8s\0` + Unknown{typeMeta, raw} around a message built by protobufjs (or given as bytes). */
function envelope(
  apiVersion: string,
  kind: string,
  type: string | Uint8Array,
  value: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Uint8Array {
  const raw = typeof type === 'string' ? encode(type, value) : type;
  return concatBytes([
    KUBERNETES_PROTOBUF_MAGIC,
    encode('Unknown', { typeMeta: { apiVersion, kind }, raw, ...extra }),
  ]);
}

/** Unix seconds for an ISO time. */
const secs = (iso: string): number => Date.parse(iso) / 1000;

function assertDecodeError(
  body: Uint8Array,
  reason: string,
  status: number,
  message?: RegExp,
): ProtobufDecodeError {
  let caught: unknown;
  try {
    decodeKubernetesProtobuf(body);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ProtobufDecodeError, `expected ProtobufDecodeError, got ${String(caught)}`);
  assert.equal(caught.reason, reason);
  assert.equal(caught.httpStatus, status);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('decodeKubernetesProtobuf: kinds', () => {
  it('Lease: MicroTime with exactly six fractional digits; pointer fields kept even when zero', () => {
    const { apiVersion, kind, object, unknownFields } = decodeKubernetesProtobuf(
      envelope('coordination.k8s.io/v1', 'Lease', 'Lease', {
        metadata: { name: 'leader', namespace: 'kube-system' },
        spec: {
          holderIdentity: 'controller-1_abc',
          leaseDurationSeconds: 15,
          acquireTime: { seconds: secs('2024-05-06T07:08:09Z') }, // no nanos → .000000
          renewTime: { seconds: secs('2024-05-06T07:08:19Z'), nanos: 123_456_789 }, // truncated, not rounded
          leaseTransitions: 0, // *int32 set to 0 must survive
        },
      }),
    );
    assert.equal(apiVersion, 'coordination.k8s.io/v1');
    assert.equal(kind, 'Lease');
    assert.deepEqual(unknownFields, []);
    assert.deepEqual(object, {
      kind: 'Lease',
      apiVersion: 'coordination.k8s.io/v1',
      metadata: { name: 'leader', namespace: 'kube-system' },
      spec: {
        holderIdentity: 'controller-1_abc',
        leaseDurationSeconds: 15,
        acquireTime: '2024-05-06T07:08:09.000000Z',
        renewTime: '2024-05-06T07:08:19.123456Z',
        leaseTransitions: 0,
      },
    });
  });

  it('core/v1 Event: Time drops nanos, absent structs print as Go prints them', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('v1', 'Event', 'Event', {
        metadata: { name: 'p1.17a', namespace: 'default' },
        involvedObject: { kind: 'Pod', namespace: 'default', name: 'p1', uid: 'u-1', apiVersion: 'v1' },
        reason: 'Scheduled',
        message: 'Successfully assigned default/p1 to n1',
        firstTimestamp: { seconds: secs('2025-01-02T03:04:05Z'), nanos: 999_000_000 },
        lastTimestamp: { seconds: secs('2025-01-02T03:04:06Z') },
        count: 2,
        type: 'Normal',
        series: { count: 3, lastObservedTime: { seconds: secs('2025-01-02T03:04:07Z'), nanos: 5000 } },
      }),
    );
    assert.deepEqual(object, {
      kind: 'Event',
      apiVersion: 'v1',
      metadata: { name: 'p1.17a', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'p1', uid: 'u-1', apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/p1 to n1',
      source: {}, // a Go struct value: never omitted
      firstTimestamp: '2025-01-02T03:04:05Z',
      lastTimestamp: '2025-01-02T03:04:06Z',
      count: 2,
      type: 'Normal',
      eventTime: null, // zero MicroTime value → null
      series: { count: 3, lastObservedTime: '2025-01-02T03:04:07.000005Z' },
      reportingComponent: '', // no omitempty in Go
      reportingInstance: '',
    });
  });

  it('RBAC Role with rules, and a RoleBinding', () => {
    const role = decodeKubernetesProtobuf(
      envelope('rbac.authorization.k8s.io/v1', 'Role', 'Role', {
        metadata: { name: 'pod-reader', namespace: 'default', labels: { team: 'a' } },
        rules: [
          { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
          { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] }, // no verbs
        ],
      }),
    );
    assert.deepEqual(role.object, {
      kind: 'Role',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'pod-reader', namespace: 'default', labels: { team: 'a' } },
      rules: [
        { verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'pods/log'] },
        { verbs: null, apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['web'] },
      ],
    });

    const binding = decodeKubernetesProtobuf(
      envelope('rbac.authorization.k8s.io/v1', 'RoleBinding', 'RoleBinding', {
        metadata: { name: 'read-pods', namespace: 'default' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      }),
    );
    assert.deepEqual(binding.object, {
      kind: 'RoleBinding',
      apiVersion: 'rbac.authorization.k8s.io/v1',
      metadata: { name: 'read-pods', namespace: 'default' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    });
    // A ClusterRole without rules: `rules` has no omitempty → null.
    assert.deepEqual(
      decodeKubernetesProtobuf(
        envelope('rbac.authorization.k8s.io/v1', 'ClusterRole', 'Role', { metadata: { name: 'x' } }),
      ).object,
      {
        kind: 'ClusterRole',
        apiVersion: 'rbac.authorization.k8s.io/v1',
        metadata: { name: 'x' },
        rules: null,
      },
    );
  });

  it('policy/v1 Eviction with deleteOptions (gracePeriodSeconds 0 kept)', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('policy/v1', 'Eviction', 'Eviction', {
        metadata: { name: 'p1', namespace: 'default' },
        deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, dryRun: ['All'] },
      }),
    );
    assert.deepEqual(object, {
      kind: 'Eviction',
      apiVersion: 'policy/v1',
      metadata: { name: 'p1', namespace: 'default' },
      deleteOptions: { gracePeriodSeconds: 0, preconditions: { uid: 'u-1' }, dryRun: ['All'] },
    });
    // Without deleteOptions the pointer is simply absent.
    assert.deepEqual(
      decodeKubernetesProtobuf(envelope('policy/v1', 'Eviction', 'Eviction', { metadata: { name: 'p1' } }))
        .object,
      {
        kind: 'Eviction',
        apiVersion: 'policy/v1',
        metadata: { name: 'p1' },
      },
    );
  });

  it('DeleteOptions under meta.k8s.io/v1 and under a group version', () => {
    for (const apiVersion of ['meta.k8s.io/v1', 'v1', 'apps/v1']) {
      const { object } = decodeKubernetesProtobuf(
        envelope(apiVersion, 'DeleteOptions', 'DeleteOptions', {
          propagationPolicy: 'Foreground',
          orphanDependents: false,
        }),
      );
      assert.deepEqual(object, {
        kind: 'DeleteOptions',
        apiVersion,
        orphanDependents: false,
        propagationPolicy: 'Foreground',
      });
    }
  });

  it('Secret and ConfigMap: bytes become base64, empty values stay, pointer bools kept', () => {
    const secret = decodeKubernetesProtobuf(
      envelope('v1', 'Secret', 'Secret', {
        metadata: { name: 's' },
        data: { bin: Uint8Array.of(0xff, 0x00, 0x10), empty: new Uint8Array(0) },
        stringData: { plain: 'text' },
        type: 'Opaque',
        immutable: false,
      }),
    );
    assert.deepEqual(secret.object, {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's' },
      immutable: false,
      data: { bin: '/wAQ', empty: '' },
      stringData: { plain: 'text' },
      type: 'Opaque',
    });
    const cm = decodeKubernetesProtobuf(
      envelope('v1', 'ConfigMap', 'ConfigMap', {
        metadata: { name: 'c', annotations: { 'a/b': 'c' } },
        data: { z: '26', a: '1' },
        binaryData: { blob: Buffer.from('hello') },
      }),
    );
    assert.deepEqual(cm.object, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'c', annotations: { 'a/b': 'c' } },
      data: { a: '1', z: '26' },
      binaryData: { blob: 'aGVsbG8=' },
    });
    assert.deepEqual(Object.keys(cm.object.data as object), ['a', 'z'], 'map keys sorted like Go');
  });

  it('Pod: metadata, containers, inline volume sources, Quantity and IntOrString', () => {
    const { object, unknownFields } = decodeKubernetesProtobuf(
      envelope('v1', 'Pod', 'Pod', {
        metadata: {
          name: 'web-1',
          namespace: 'default',
          labels: { app: 'web' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u-rs', controller: true },
          ],
          creationTimestamp: {}, // the Go zero time is sent as an empty message → omitted
        },
        spec: {
          volumes: [{ name: 'cfg', source: { configMap: { ref: { name: 'c1' }, defaultMode: 420 } } }],
          containers: [
            {
              name: 'nginx',
              image: 'nginx:1.27',
              command: ['nginx', '-g', 'daemon off;'],
              ports: [{ name: 'http', containerPort: 80 }],
              resources: { limits: { cpu: { string: '500m' }, memory: { string: '128Mi' } } },
              readinessProbe: {
                handler: { httpGet: { path: '/', port: { type: 1, strVal: 'http' } } },
                periodSeconds: 5,
              },
            },
            {
              name: 'sidecar',
              image: 'busybox',
              readinessProbe: { handler: { httpGet: { port: { intVal: 8080 } } } },
            },
          ],
          nodeName: 'node-1',
        },
      }),
    );
    assert.deepEqual(unknownFields, []);
    assert.deepEqual(object, {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: 'web-1',
        namespace: 'default',
        labels: { app: 'web' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'u-rs', controller: true },
        ],
      },
      spec: {
        volumes: [{ name: 'cfg', configMap: { name: 'c1', defaultMode: 420 } }],
        containers: [
          {
            name: 'nginx',
            image: 'nginx:1.27',
            command: ['nginx', '-g', 'daemon off;'],
            ports: [{ name: 'http', containerPort: 80 }],
            resources: { limits: { cpu: '500m', memory: '128Mi' } },
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
          },
          { name: 'sidecar', image: 'busybox', resources: {}, readinessProbe: { httpGet: { port: 8080 } } },
        ],
        nodeName: 'node-1',
      },
      status: {},
    });
  });

  it('Node: providerID, unschedulable, taints; struct defaults inside status', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('v1', 'Node', 'Node', {
        metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/control-plane': '' } },
        spec: {
          providerID: 'dev://cluster/machine-1',
          unschedulable: true,
          taints: [
            {
              key: 'node.kubernetes.io/not-ready',
              effect: 'NoSchedule',
              timeAdded: { seconds: secs('2025-03-04T05:06:07Z') },
            },
            { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
          ],
        },
      }),
    );
    assert.deepEqual(object.metadata, {
      name: 'n1',
      labels: { 'node-role.kubernetes.io/control-plane': '' },
    });
    assert.deepEqual(object.spec, {
      providerID: 'dev://cluster/machine-1',
      unschedulable: true,
      taints: [
        { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: '2025-03-04T05:06:07Z' },
        { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
      ],
    });
    const status = object.status as Record<string, Record<string, unknown>>;
    assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 0 } });
    assert.equal(status.nodeInfo?.machineID, '');
    assert.equal(status.nodeInfo?.swap, undefined);
  });

  it('SubjectAccessReview with extra (ExtraValue lists) and non-resource attributes', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('authorization.k8s.io/v1', 'SubjectAccessReview', 'SubjectAccessReview', {
        spec: {
          nonResourceAttributes: { path: '/healthz', verb: 'get' },
          user: 'alice',
          groups: ['system:authenticated'],
          extra: { scopes: { items: ['a', 'b'] }, none: {} },
        },
      }),
    );
    assert.deepEqual(object, {
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: {
        nonResourceAttributes: { path: '/healthz', verb: 'get' },
        user: 'alice',
        groups: ['system:authenticated'],
        extra: { none: [], scopes: ['a', 'b'] },
      },
      status: { allowed: false },
    });
  });

  it('TokenRequest: Go pointers without omitempty print as null', () => {
    const bare = decodeKubernetesProtobuf(
      envelope('authentication.k8s.io/v1', 'TokenRequest', 'TokenRequest', {}),
    );
    assert.deepEqual(bare.object, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec: { audiences: null, expirationSeconds: null, boundObjectRef: null },
      status: { token: '', expirationTimestamp: null },
    });
    const full = decodeKubernetesProtobuf(
      envelope('authentication.k8s.io/v1', 'TokenRequest', 'TokenRequest', {
        spec: {
          audiences: ['https://kubernetes.default.svc'],
          expirationSeconds: 3600,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uID: 'u-1' },
        },
      }),
    );
    assert.deepEqual(full.object.spec, {
      audiences: ['https://kubernetes.default.svc'],
      expirationSeconds: 3600,
      boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: 'u-1' },
    });
  });

  it('SelfSubjectReview and TokenReview decode', () => {
    assert.deepEqual(
      decodeKubernetesProtobuf(envelope('authentication.k8s.io/v1', 'SelfSubjectReview', new Uint8Array(0)))
        .object,
      {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {},
        status: { userInfo: {} },
      },
    );
    const tokenReviewSpec = concatBytes([lengthDelimited(1, 'abc.def'), lengthDelimited(2, 'api')]);
    assert.deepEqual(
      decodeKubernetesProtobuf(
        envelope('authentication.k8s.io/v1', 'TokenReview', lengthDelimited(2, tokenReviewSpec)),
      ).object,
      {
        kind: 'TokenReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {},
        spec: { token: 'abc.def', audiences: ['api'] },
        status: { user: {} },
      },
    );
  });

  it('PodDisruptionBudget: IntOrString pointers', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('policy/v1', 'PodDisruptionBudget', 'PodDisruptionBudget', {
        spec: { minAvailable: { type: 1, strVal: '50%' }, maxUnavailable: { intVal: 0 } },
      }),
    );
    assert.deepEqual(object.spec, { minAvailable: '50%', maxUnavailable: 0 });
  });

  it('metadata: managedFields (FieldsV1 is JSON), deletionTimestamp, finalizers, generation', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('v1', 'ConfigMap', 'ConfigMap', {
        metadata: {
          name: 'c',
          uid: 'u',
          generation: 3,
          creationTimestamp: { seconds: secs('2020-01-01T00:00:00Z') },
          deletionTimestamp: { seconds: secs('2020-01-02T00:00:00Z') },
          finalizers: ['example.com/f'],
          managedFields: [
            {
              manager: 'kubectl',
              operation: 'Update',
              apiVersion: 'v1',
              time: { seconds: secs('2020-01-01T00:00:00Z') },
              fieldsType: 'FieldsV1',
              fieldsV1: { Raw: Buffer.from('{"f:data":{"f:a":{}}}') },
            },
          ],
        },
      }),
    );
    assert.deepEqual(object.metadata, {
      name: 'c',
      uid: 'u',
      generation: 3,
      creationTimestamp: '2020-01-01T00:00:00Z',
      deletionTimestamp: '2020-01-02T00:00:00Z',
      finalizers: ['example.com/f'],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'v1',
          time: '2020-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:a': {} } },
        },
      ],
    });
  });
});

describe('decodeKubernetesProtobuf: wire-format rules', () => {
  const meta = (bytes: Uint8Array): Uint8Array => lengthDelimited(1, bytes);

  it('skips and reports unknown fields, including varints, fixed values and groups', () => {
    const objectMeta = concatBytes([
      lengthDelimited(1, 'n'),
      Uint8Array.of(...encodeVarint((99 << 3) | 0), ...encodeVarint(12345)), // varint
      Uint8Array.of(...encodeVarint((98 << 3) | 1), 1, 2, 3, 4, 5, 6, 7, 8), // fixed64
      Uint8Array.of(...encodeVarint((97 << 3) | 5), 1, 2, 3, 4), // fixed32
      Uint8Array.of(
        ...encodeVarint((96 << 3) | 3),
        ...lengthDelimited(1, 'x'),
        ...encodeVarint((96 << 3) | 4),
      ), // group
    ]);
    const { object, unknownFields } = decodeKubernetesProtobuf(envelope('v1', 'Namespace', meta(objectMeta)));
    assert.deepEqual(object.metadata, { name: 'n' });
    assert.deepEqual(unknownFields, ['metadata.#99', 'metadata.#98', 'metadata.#97', 'metadata.#96']);
  });

  it('merges repeated occurrences of a message field; a scalar keeps its last value', () => {
    const body = concatBytes([
      meta(lengthDelimited(1, 'first')),
      meta(lengthDelimited(3, 'ns')),
      meta(lengthDelimited(1, 'last')),
    ]);
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', body)).object.metadata, {
      name: 'last',
      namespace: 'ns',
    });
  });

  it('reads packed repeated varints', () => {
    // PodSecurityContext.supplementalGroups (field 4, []int64) inside PodSpec.securityContext (14).
    const packed = lengthDelimited(4, Uint8Array.of(...encodeVarint(1000), ...encodeVarint(2000)));
    const unpacked = Uint8Array.of(...encodeVarint((4 << 3) | 0), ...encodeVarint(3000));
    const spec = lengthDelimited(14, concatBytes([packed, unpacked]));
    const { object } = decodeKubernetesProtobuf(envelope('v1', 'Pod', lengthDelimited(2, spec)));
    assert.deepEqual((object.spec as Record<string, unknown>).securityContext, {
      supplementalGroups: [1000, 2000, 3000],
    });
  });

  it('decodes negative int32/int64 values (ten-byte varints)', () => {
    const spec = Uint8Array.of(...encodeVarint((5 << 3) | 0), ...encodeVarint(-5n)); // Lease leaseTransitions
    const { object } = decodeKubernetesProtobuf(
      envelope('coordination.k8s.io/v1', 'Lease', lengthDelimited(2, spec)),
    );
    assert.deepEqual(object.spec, { leaseTransitions: -5 });
  });

  it('map entries: duplicate keys keep the last; "__proto__" stays a plain key', () => {
    const entry = (k: string, v: string): Uint8Array =>
      lengthDelimited(2, concatBytes([lengthDelimited(1, k), lengthDelimited(2, v)]));
    const { object } = decodeKubernetesProtobuf(
      envelope('v1', 'ConfigMap', concatBytes([entry('a', '1'), entry('__proto__', 'x'), entry('a', '2')])),
    );
    const data = object.data as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.deepEqual(Object.entries(data), [
      ['__proto__', 'x'],
      ['a', '2'],
    ]);
  });

  it('Time: the Go zero time is null, omitted for creationTimestamp; epoch 0 is a real time', () => {
    const zero = { seconds: -62135596800 };
    const { object } = decodeKubernetesProtobuf(
      envelope('v1', 'Event', 'Event', {
        metadata: { creationTimestamp: zero, deletionTimestamp: zero },
        firstTimestamp: { seconds: 0 },
        eventTime: { seconds: 0, nanos: 0 },
      }),
    );
    assert.deepEqual(object.metadata, { deletionTimestamp: null });
    assert.equal(object.firstTimestamp, '1970-01-01T00:00:00Z');
    assert.equal(object.lastTimestamp, null);
    assert.equal(object.eventTime, '1970-01-01T00:00:00.000000Z');
  });

  it('MicroTime: negative nanos borrow from the seconds like Go time.Unix', () => {
    const { object } = decodeKubernetesProtobuf(
      envelope('coordination.k8s.io/v1', 'Lease', 'Lease', {
        spec: { renewTime: { seconds: secs('2024-01-01T00:00:10Z'), nanos: -1500 } },
      }),
    );
    assert.equal((object.spec as Record<string, unknown>).renewTime, '2024-01-01T00:00:09.999999Z');
  });
});

describe('decodeKubernetesProtobuf: errors', () => {
  const valid = envelope('v1', 'ConfigMap', 'ConfigMap', {
    metadata: { name: 'c1', namespace: 'default', labels: { a: 'b' } },
    data: { a: '1', b: 'two' },
  });

  it('rejects a body without the k8s\\0 prefix (400 BadMagic)', () => {
    assertDecodeError(new Uint8Array(0), 'BadMagic', 400);
    assertDecodeError(Buffer.from('{"kind":"ConfigMap"}'), 'BadMagic', 400, /k8s\\0/);
    assertDecodeError(Uint8Array.of(0x6b, 0x38, 0x73), 'BadMagic', 400);
  });

  it('every truncation of a valid body is a typed 400, never a crash', () => {
    let decoded = 0;
    for (let len = 4; len < valid.length; len++) {
      try {
        const { object } = decodeKubernetesProtobuf(valid.subarray(0, len));
        // Only a cut right after the envelope's typeMeta is well-formed: an object with nothing in it.
        assert.deepEqual(object, { kind: 'ConfigMap', apiVersion: 'v1', metadata: {} }, `length ${len}`);
        decoded++;
      } catch (err) {
        assert.ok(err instanceof ProtobufDecodeError, `length ${len}: ${String(err)}`);
        assert.equal(err.httpStatus, 400);
      }
    }
    assert.equal(decoded, 1);
    assertDecodeError(valid.subarray(0, valid.length - 1), 'Truncated', 400, /unexpected end/);
  });

  it('random garbage and single-byte corruptions only ever raise ProtobufDecodeError', () => {
    const corpus = [
      valid,
      envelope('v1', 'Pod', 'Pod', {
        metadata: { name: 'p', managedFields: [{ manager: 'm', fieldsV1: { Raw: Buffer.from('{}') } }] },
        spec: {
          volumes: [{ name: 'v', source: { configMap: { ref: { name: 'c' } } } }],
          containers: [
            {
              name: 'c',
              resources: { limits: { cpu: { string: '1' } } },
              readinessProbe: { handler: { httpGet: { port: { type: 1, strVal: 'http' } } } },
            },
          ],
        },
      }),
      envelope('coordination.k8s.io/v1', 'Lease', 'Lease', {
        spec: { renewTime: { seconds: 1e9, nanos: 5 } },
      }),
    ];
    let seed = 42;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let i = 0; i < 3000; i++) {
      const garbage = Uint8Array.from({ length: 4 + Math.floor(rand() * 64) }, () =>
        Math.floor(rand() * 256),
      );
      garbage.set(KUBERNETES_PROTOBUF_MAGIC);
      const source = corpus[i % corpus.length] as Uint8Array;
      const mutated = Uint8Array.from(source);
      mutated[4 + Math.floor(rand() * (source.length - 4))] = Math.floor(rand() * 256);
      for (const body of [garbage, mutated]) {
        try {
          decodeKubernetesProtobuf(body);
        } catch (err) {
          assert.ok(
            err instanceof ProtobufDecodeError,
            `input ${Buffer.from(body).toString('hex')}: ${String(err)}`,
          );
        }
      }
    }
  });

  it('answers 415 for kinds without a schema, such as custom resources', () => {
    const err = assertDecodeError(
      envelope('test.example.com/v1', 'Widget', new Uint8Array(0)),
      'UnsupportedKind',
      415,
    );
    assert.match(err.message, /Widget \(test\.example\.com\/v1\).*application\/json/);
    assertDecodeError(envelope('batch/v1', 'Job', new Uint8Array(0)), 'UnsupportedKind', 415);
    assertDecodeError(envelope('v2', 'ConfigMap', new Uint8Array(0)), 'UnsupportedKind', 415);
  });

  it('answers 415 for a content encoding or a non-protobuf inner content type', () => {
    assertDecodeError(
      envelope('v1', 'ConfigMap', 'ConfigMap', {}, { contentEncoding: 'gzip' }),
      'UnsupportedEncoding',
      415,
    );
    assertDecodeError(
      envelope('v1', 'ConfigMap', 'ConfigMap', {}, { contentType: 'application/json' }),
      'UnsupportedEncoding',
      415,
    );
    const ok = decodeKubernetesProtobuf(
      envelope('v1', 'ConfigMap', 'ConfigMap', {}, { contentType: 'application/vnd.kubernetes.protobuf' }),
    );
    assert.equal(ok.kind, 'ConfigMap');
  });

  it('a missing kind is 400', () => {
    assertDecodeError(
      concatBytes([KUBERNETES_PROTOBUF_MAGIC, lengthDelimited(2, new Uint8Array(0))]),
      'Malformed',
      400,
      /kind/,
    );
  });

  it('a wrong wire type names the field', () => {
    // ObjectMeta.name (field 1) sent as a varint.
    const body = envelope('v1', 'ConfigMap', lengthDelimited(1, Uint8Array.of(0x08, 0x01)));
    const err = assertDecodeError(body, 'Malformed', 400, /wrong wire type 0 for field 1/);
    assert.equal(err.path, 'metadata.name');
  });

  it('values JSON cannot carry are 400', () => {
    // IntOrString with an impossible type.
    assertDecodeError(
      envelope('policy/v1', 'PodDisruptionBudget', 'PodDisruptionBudget', {
        spec: { minAvailable: { type: 7 } },
      }),
      'Malformed',
      400,
      /IntOrString/,
    );
    // FieldsV1 that is not JSON.
    assertDecodeError(
      envelope('v1', 'ConfigMap', 'ConfigMap', {
        metadata: { managedFields: [{ fieldsV1: { Raw: Buffer.from('{not json') } }] },
      }),
      'Malformed',
      400,
      /FieldsV1/,
    );
    // A time past year 9999.
    assertDecodeError(
      envelope('v1', 'ConfigMap', 'ConfigMap', {
        metadata: { deletionTimestamp: { seconds: 253402300800 } },
      }),
      'Malformed',
      400,
      /outside years/,
    );
    // A varint longer than ten bytes.
    assertDecodeError(
      envelope(
        'v1',
        'ConfigMap',
        lengthDelimited(1, Uint8Array.of(0x38, ...new Array<number>(10).fill(0xff), 0x01)),
      ),
      'Malformed',
      400,
      /varint/,
    );
  });
});

describe('kind registry and media types', () => {
  it('every registered kind resolves to a parsed message', () => {
    const schema = kubernetesProtobufSchema();
    assert.ok(schema.size > 100);
    const kinds = protobufDecodableKinds();
    for (const want of [
      'v1/Namespace',
      'v1/ConfigMap',
      'v1/Secret',
      'v1/ServiceAccount',
      'v1/Event',
      'v1/Pod',
      'v1/Node',
      'authorization.k8s.io/v1/SelfSubjectAccessReview',
      'authorization.k8s.io/v1/SubjectAccessReview',
      'authentication.k8s.io/v1/SelfSubjectReview',
      'authentication.k8s.io/v1/TokenReview',
      'authentication.k8s.io/v1/TokenRequest',
      'policy/v1/Eviction',
      'coordination.k8s.io/v1/Lease',
      'rbac.authorization.k8s.io/v1/Role',
      'rbac.authorization.k8s.io/v1/ClusterRole',
      'rbac.authorization.k8s.io/v1/RoleBinding',
      'rbac.authorization.k8s.io/v1/ClusterRoleBinding',
      'meta.k8s.io/v1/DeleteOptions',
    ])
      assert.ok(
        kinds.some((k) => `${k.apiVersion}/${k.kind}` === want),
        want,
      );
    for (const { apiVersion, kind } of kinds) {
      // Decoding an empty message exercises every default of the kind's tree.
      const { object } = decodeKubernetesProtobuf(envelope(apiVersion, kind, new Uint8Array(0)));
      assert.equal(object.kind, kind);
      assert.equal(canDecodeProtobufKind(apiVersion, kind), true);
    }
    assert.equal(canDecodeProtobufKind('test.example.com/v1', 'Widget'), false);
    assert.equal(canDecodeProtobufKind('policy/v1', 'DeleteOptions'), true);
    assert.equal(canDecodeProtobufKind('not a version', 'DeleteOptions'), false);
  });

  it('isKubernetesProtobuf', () => {
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isKubernetesProtobuf('Application/VND.Kubernetes.Protobuf; charset=binary'), true);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf;stream=watch'), true);
    assert.equal(isKubernetesProtobuf('application/json'), false);
    assert.equal(isKubernetesProtobuf('application/vnd.kubernetes.protobuf+json'), false);
    assert.equal(isKubernetesProtobuf(''), false);
    assert.equal(isKubernetesProtobuf(undefined), false);
    assert.equal(isKubernetesProtobuf(null), false);
  });
});
