/**
 * Cluster templates for the dev infrastructure provider's in-memory backend, kept as string constants so they ship
 * inside dist/ with no file reads at run time.
 *
 * `in-memory` is upstream's flavor of that name: the objects of its clusterclass-in-memory.yaml and a Cluster with a
 * managed topology of that class (cluster-template-in-memory.yaml). `in-memory-kcp` spells a similar cluster out
 * without a ClusterClass, in the shapes of examples/quickstart.yaml. Variables follow clusterctl's conventions:
 * CLUSTER_NAME, NAMESPACE, KUBERNETES_VERSION and the machine counts come from flags; SERVICE_CIDR, POD_CIDR and
 * SERVICE_DOMAIN keep the defaults of upstream's docker/in-memory templates (YAML flow values, so
 * `POD_CIDR='["10.244.0.0/16"]'`).
 *
 * Every simulated provisioning step defaults to 0s so a generated cluster is up within seconds; raise the
 * IN_MEMORY_*_STARTUP_DURATION variables (Go durations such as `10s`) to watch the phases happen, as upstream's
 * scale tests do with 10s for VMs and 2s for the rest.
 *
 * Names are quoted so that an all-digit cluster name (valid DNS-1123) stays a string in YAML.
 */

const inMemoryMachineSpec = `      backend:
        inMemory:
          vm:
            provisioning:
              startupDuration: "\${IN_MEMORY_VM_STARTUP_DURATION:=0s}"
          node:
            provisioning:
              startupDuration: "\${IN_MEMORY_NODE_STARTUP_DURATION:=0s}"
          etcd:
            provisioning:
              startupDuration: "\${IN_MEMORY_ETCD_STARTUP_DURATION:=0s}"
          apiServer:
            provisioning:
              startupDuration: "\${IN_MEMORY_API_SERVER_STARTUP_DURATION:=0s}"`;

/** Cluster + DevCluster + KubeadmControlPlane + MachineDeployment `-md-0`, no ClusterClass. */
export const IN_MEMORY_KCP_TEMPLATE = `apiVersion: cluster.x-k8s.io/v1beta2
kind: Cluster
metadata:
  name: "\${CLUSTER_NAME}"
  namespace: "\${NAMESPACE}"
spec:
  clusterNetwork:
    services:
      cidrBlocks: \${SERVICE_CIDR:=["10.128.0.0/12"]}
    pods:
      cidrBlocks: \${POD_CIDR:=["192.168.0.0/16"]}
    serviceDomain: \${SERVICE_DOMAIN:="cluster.local"}
  infrastructureRef:
    apiGroup: infrastructure.cluster.x-k8s.io
    kind: DevCluster
    name: "\${CLUSTER_NAME}"
  controlPlaneRef:
    apiGroup: controlplane.cluster.x-k8s.io
    kind: KubeadmControlPlane
    name: "\${CLUSTER_NAME}-control-plane"
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: DevCluster
metadata:
  name: "\${CLUSTER_NAME}"
  namespace: "\${NAMESPACE}"
spec:
  backend:
    inMemory: {}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: DevMachineTemplate
metadata:
  name: "\${CLUSTER_NAME}-control-plane"
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
${inMemoryMachineSpec}
---
apiVersion: controlplane.cluster.x-k8s.io/v1beta2
kind: KubeadmControlPlane
metadata:
  name: "\${CLUSTER_NAME}-control-plane"
  namespace: "\${NAMESPACE}"
spec:
  replicas: \${CONTROL_PLANE_MACHINE_COUNT}
  version: "\${KUBERNETES_VERSION}"
  machineTemplate:
    spec:
      infrastructureRef:
        apiGroup: infrastructure.cluster.x-k8s.io
        kind: DevMachineTemplate
        name: "\${CLUSTER_NAME}-control-plane"
  kubeadmConfigSpec:
    clusterConfiguration:
      apiServer:
        certSANs:
          - localhost
          - 127.0.0.1
    initConfiguration:
      nodeRegistration:
        criSocket: unix:///var/run/containerd/containerd.sock
    joinConfiguration:
      nodeRegistration:
        criSocket: unix:///var/run/containerd/containerd.sock
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: DevMachineTemplate
metadata:
  name: "\${CLUSTER_NAME}-md-0"
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
${inMemoryMachineSpec}
---
apiVersion: bootstrap.cluster.x-k8s.io/v1beta2
kind: KubeadmConfigTemplate
metadata:
  name: "\${CLUSTER_NAME}-md-0"
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
      joinConfiguration:
        nodeRegistration:
          criSocket: unix:///var/run/containerd/containerd.sock
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: MachineDeployment
metadata:
  name: "\${CLUSTER_NAME}-md-0"
  namespace: "\${NAMESPACE}"
spec:
  clusterName: "\${CLUSTER_NAME}"
  replicas: \${WORKER_MACHINE_COUNT}
  selector:
    matchLabels: {}
  template:
    spec:
      clusterName: "\${CLUSTER_NAME}"
      version: "\${KUBERNETES_VERSION}"
      bootstrap:
        configRef:
          apiGroup: bootstrap.cluster.x-k8s.io
          kind: KubeadmConfigTemplate
          name: "\${CLUSTER_NAME}-md-0"
      infrastructureRef:
        apiGroup: infrastructure.cluster.x-k8s.io
        kind: DevMachineTemplate
        name: "\${CLUSTER_NAME}-md-0"
`;

/**
 * The ClusterClass `in-memory` and the five templates it names, the objects of upstream's clusterclass-in-memory.yaml
 * (same names and shapes), in the cluster's namespace; the simulated startup durations are the variables above,
 * where upstream fixes 10s for VMs and 2s for the rest, with 20 % jitter.
 *
 * Every Cluster of the class in a namespace shares these objects, so they hold nothing of one cluster: fixed names,
 * no CLUSTER_NAME, and re-applying them while generating a second cluster is a no-op. The simulated startup durations
 * live in the shared DevMachineTemplates, so they are the class's: the first cluster generated into a namespace sets
 * them, and applying a later one with other values is refused (template specs are immutable): other timings need
 * another namespace.
 */
const IN_MEMORY_CLUSTER_CLASS = `apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: DevClusterTemplate
metadata:
  name: in-memory-cluster
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
      backend:
        inMemory: {}
---
apiVersion: controlplane.cluster.x-k8s.io/v1beta2
kind: KubeadmControlPlaneTemplate
metadata:
  name: in-memory-control-plane
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
      kubeadmConfigSpec:
        clusterConfiguration:
          apiServer:
            certSANs:
              - localhost
              - 127.0.0.1
              - 0.0.0.0
              - host.docker.internal
        initConfiguration:
          nodeRegistration:
            criSocket: unix:///var/run/containerd/containerd.sock
            kubeletExtraArgs:
              - name: eviction-hard
                value: nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%
        joinConfiguration:
          nodeRegistration:
            criSocket: unix:///var/run/containerd/containerd.sock
            kubeletExtraArgs:
              - name: eviction-hard
                value: nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: DevMachineTemplate
metadata:
  name: in-memory-control-plane
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
${inMemoryMachineSpec}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: DevMachineTemplate
metadata:
  name: in-memory-default-worker-machinetemplate
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
${inMemoryMachineSpec}
---
apiVersion: bootstrap.cluster.x-k8s.io/v1beta2
kind: KubeadmConfigTemplate
metadata:
  name: in-memory-default-worker-bootstraptemplate
  namespace: "\${NAMESPACE}"
spec:
  template:
    spec:
      joinConfiguration:
        nodeRegistration:
          criSocket: unix:///var/run/containerd/containerd.sock
          kubeletExtraArgs:
            - name: eviction-hard
              value: nodefs.available<0%,nodefs.inodesFree<0%,imagefs.available<0%
---
apiVersion: cluster.x-k8s.io/v1beta2
kind: ClusterClass
metadata:
  name: in-memory
  namespace: "\${NAMESPACE}"
spec:
  controlPlane:
    templateRef:
      apiVersion: controlplane.cluster.x-k8s.io/v1beta2
      kind: KubeadmControlPlaneTemplate
      name: in-memory-control-plane
    machineInfrastructure:
      templateRef:
        apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
        kind: DevMachineTemplate
        name: in-memory-control-plane
    healthCheck:
      checks:
        unhealthyNodeConditions:
          - type: Ready
            status: Unknown
            timeoutSeconds: 300
          - type: Ready
            status: "False"
            timeoutSeconds: 300
        unhealthyMachineConditions:
          - type: NodeReady
            status: Unknown
            timeoutSeconds: 300
          - type: NodeReady
            status: "False"
            timeoutSeconds: 300
  infrastructure:
    templateRef:
      apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
      kind: DevClusterTemplate
      name: in-memory-cluster
  workers:
    machineDeployments:
      - class: default-worker
        bootstrap:
          templateRef:
            apiVersion: bootstrap.cluster.x-k8s.io/v1beta2
            kind: KubeadmConfigTemplate
            name: in-memory-default-worker-bootstraptemplate
        infrastructure:
          templateRef:
            apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
            kind: DevMachineTemplate
            name: in-memory-default-worker-machinetemplate
        healthCheck:
          checks:
            unhealthyNodeConditions:
              - type: Ready
                status: Unknown
                timeoutSeconds: 300
              - type: Ready
                status: "False"
                timeoutSeconds: 300
            unhealthyMachineConditions:
              - type: NodeReady
                status: Unknown
                timeoutSeconds: 300
              - type: NodeReady
                status: "False"
                timeoutSeconds: 300
`;

/**
 * The default flavor, upstream's `in-memory`: the ClusterClass `in-memory` with its templates, then a Cluster whose
 * managed topology uses it (the topology controller creates the DevCluster, KubeadmControlPlane and the
 * MachineDeployment `md-0`).
 *
 * The class comes first, unlike clusterctl, which appends a missing ClusterClass after the cluster template: `kubectl
 * apply -f` writes the objects one after the other in file order, and a topology Cluster is validated against its
 * ClusterClass only if that exists when the Cluster is admitted.
 */
export const IN_MEMORY_TEMPLATE = `${IN_MEMORY_CLUSTER_CLASS}---
apiVersion: cluster.x-k8s.io/v1beta2
kind: Cluster
metadata:
  name: "\${CLUSTER_NAME}"
  namespace: "\${NAMESPACE}"
spec:
  clusterNetwork:
    services:
      cidrBlocks: \${SERVICE_CIDR:=["10.128.0.0/12"]}
    pods:
      cidrBlocks: \${POD_CIDR:=["192.168.0.0/16"]}
    serviceDomain: \${SERVICE_DOMAIN:="cluster.local"}
  topology:
    classRef:
      name: in-memory
      namespace: "\${NAMESPACE}"
    version: "\${KUBERNETES_VERSION}"
    controlPlane:
      replicas: \${CONTROL_PLANE_MACHINE_COUNT}
    workers:
      machineDeployments:
        - class: default-worker
          name: md-0
          replicas: \${WORKER_MACHINE_COUNT}
`;
