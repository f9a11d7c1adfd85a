// How core reads provider objects: by contract, never by importing a provider.
export * from './accessors.js';
export * from './contract-version.js';
export * from './crd-name.js';
export * from './external.js';
export * from './paths.js';
