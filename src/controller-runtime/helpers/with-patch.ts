import type { KubeObject } from '../api/object.js';
import type { Client } from '../client/client.js';
import type { Result } from '../controller/reconciler.js';
import { PatchHelper } from './patch-helper.js';

/**
 * Runs `body` on `obj` and patches what it changed afterwards, also when it threw (so the conditions that
 * explain a failure reach the user). A body error wins over a patch error; a patch error alone is thrown.
 */
export async function withPatch<T extends KubeObject>(
  client: Client,
  obj: T,
  ownedConditions: readonly string[],
  body: () => Promise<Result | undefined>,
  finish?: (error: unknown) => void,
): Promise<Result | undefined> {
  const helper = PatchHelper.create(obj, client);
  let result: Result | undefined;
  let failure: { error: unknown } | undefined;
  try {
    result = await body();
  } catch (error) {
    failure = { error };
  }
  finish?.(failure?.error);
  try {
    await helper.patch(obj, { ownedConditions });
  } catch (patchError) {
    if (!failure) throw patchError;
  }
  if (failure) throw failure.error;
  return result;
}
