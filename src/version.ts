import { readFileSync } from 'node:fs';

/** The Cluster API contract version this implementation speaks (storage version of every kind). */
export const CLUSTER_API_CONTRACT = 'v1beta2';

/** The package version, read from package.json (one level above both src/ and dist/). */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
