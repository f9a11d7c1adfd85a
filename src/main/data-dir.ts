import { homedir } from 'node:os';
import path from 'node:path';

/** `--data-dir`, else `$CAPI_HOME`, else `~/.capi`. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.CAPI_HOME) return path.resolve(env.CAPI_HOME);
  return path.join(homedir(), '.capi');
}
