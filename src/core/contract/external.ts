import type { KubeObject } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { isNotFound } from '../../controller-runtime/client/errors.js';
import type { ContractReference, ContractResolver, ContractVersion } from './contract-version.js';

/** A provider object read through its reference, with the contract its fields follow. */
export interface ExternalObject {
  object: KubeObject;
  contract: ContractVersion;
}

/**
 * Reads the object a `{apiGroup, kind, name}` reference names, in `namespace`, at the version its CRD's
 * contract label says. Undefined when it does not exist (yet, or any more).
 */
export async function getExternal(
  reader: Reader,
  resolver: ContractResolver,
  namespace: string | undefined,
  ref: ContractReference,
): Promise<ExternalObject | undefined> {
  const type = await resolver.typeOf(ref);
  try {
    const object = await reader.get(
      { apiVersion: type.apiVersion, kind: type.kind },
      { namespace, name: ref.name },
    );
    return { object, contract: type.contract };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
