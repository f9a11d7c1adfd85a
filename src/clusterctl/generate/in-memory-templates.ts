/**
 * Cluster templates for the dev infrastructure provider's in-memory backend, kept as string constants so they ship
 * inside dist/ with no file reads at run time.
 *
 * The object shapes are those of examples/quickstart.yaml, which the end-to-end tests prove our controllers take to
 * a running cluster. Variables follow clusterctl's conventions: CLUSTER_NAME, NAMESPACE, KUBERNETES_VERSION and the
 * machine counts come from flags; SERVICE_CIDR, POD_CIDR and SERVICE_DOMAIN keep the defaults of upstream's
 * docker/in-memory templates (YAML flow values, so `POD_CIDR='["10.244.0.0/16"]'`).
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
 * The default flavor. Upstream's `in-memory` template is a ClusterClass topology Cluster; ClusterClass support lands
 * in a later issue, and until then this flavor renders exactly the objects of `in-memory-kcp` so that
 * `capi generate cluster NAME` works today. Switching it to a topology Cluster will change its output.
 */
export const IN_MEMORY_TEMPLATE = IN_MEMORY_KCP_TEMPLATE;
