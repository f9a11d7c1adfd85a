// The ipam.cluster.x-k8s.io/v1beta2 API: IPAddressClaim and IPAddress.
export * from './group.js';
export * from './well-known.js';
export * from './ip-address-types.js';
export * from './ip-address-claim-types.js';
