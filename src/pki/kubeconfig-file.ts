import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';
import type { Kubeconfig } from './kubeconfig.js';
import { parseKubeconfig, stringifyKubeconfig } from './kubeconfig-yaml.js';

/** Writes the kubeconfig as YAML, atomically and readable by the owner only (0600): it holds credentials. */
export async function writeKubeconfigFile(
  filePath: string,
  kubeconfig: Kubeconfig,
  options: { signal?: AbortSignal } = {},
): Promise<void> {
  await writeFileAtomic(filePath, stringifyKubeconfig(kubeconfig), { mode: 0o600, signal: options.signal });
}

/** Reads and checks a kubeconfig file (`InvalidKubeconfigError` when malformed). */
export async function readKubeconfigFile(
  filePath: string,
  options: { signal?: AbortSignal } = {},
): Promise<Kubeconfig> {
  return parseKubeconfig(await readFile(filePath, { encoding: 'utf8', signal: options.signal }));
}
