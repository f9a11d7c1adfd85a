import assert from 'node:assert/strict';
import { InvalidError } from '../../../src/controller-runtime/client/errors.js';

/** Awaits a write that admission must refuse: the 422 Invalid error, for assertions on its causes. */
export async function invalid(p: Promise<unknown>): Promise<InvalidError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof InvalidError, `expected 422 Invalid, got ${String(err)}`);
  assert.equal(err.code, 422);
  return err;
}
