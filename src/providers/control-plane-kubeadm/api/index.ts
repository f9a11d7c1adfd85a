// The public surface of the kubeadm control plane API: kinds, their schemas and CRDs, and well-known names.
export * from './kubeadm-control-plane-template-types.js';
export * from './kubeadm-control-plane-types.js';
export * from './well-known.js';
