// The workload-cluster side of control plane upgrades: what the KubeadmControlPlane reconciler calls.
export * from './cluster-configuration-document.js';
export * from './coredns.js';
export * from './corefile-migration.js';
export * from './image-reference.js';
export * from './kube-proxy.js';
export * from './kubeadm-config-map.js';
export * from './kubeadm-rbac.js';
export * from './workload-errors.js';
