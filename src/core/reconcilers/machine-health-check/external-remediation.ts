// External remediation (`spec.remediation.templateRef`): instead of marking an unhealthy Machine for its owner,
// the MachineHealthCheck stamps a remediation request out of a provider's remediation template, named after the
// Machine, and a controller outside Cluster API does the remediating. The request goes once the Machine is healthy.
import type { KubeObject, TypeRef } from '../../../controller-runtime/api/object.js';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isAlreadyExists, isNotFoundOrNoKind } from '../../../controller-runtime/client/errors.js';
import type { TemplateReference } from '../../api/v1beta2/common-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { generateFromTemplate, TEMPLATE_SUFFIX } from '../../util/index.js';

/** What creating a request came to: made now, or already there (a stale cache said it was not). */
export type CreateOutcome = 'created' | 'exists';

/** The template could not be read (missing, its CRD not installed, or the read failed). */
export class RemediationTemplateNotFoundError extends Error {
  override readonly name = 'RemediationTemplateNotFoundError';
}
export const isRemediationTemplateNotFound = (err: unknown): err is RemediationTemplateNotFoundError =>
  err instanceof RemediationTemplateNotFoundError;

/** Requests are of the template's kind without its `Template` suffix, in the template's apiVersion. */
export function remediationRequestType(ref: TemplateReference): TypeRef {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind.endsWith(TEMPLATE_SUFFIX) ? ref.kind.slice(0, -TEMPLATE_SUFFIX.length) : ref.kind,
  };
}

/**
 * The remediation requests of one MachineHealthCheck during one reconcile. The template is read at most once
 * (and only when a request has to be made); template and requests are provider kinds, read as plain objects
 * through the client like any other kind.
 */
export class ExternalRemediation {
  readonly #client: Client;
  readonly #namespace: string;
  readonly #ref: TemplateReference;
  #template?: Promise<KubeObject>;

  constructor(client: Client, namespace: string, ref: TemplateReference) {
    this.#client = client;
    this.#namespace = namespace;
    this.#ref = ref;
  }

  get templateRef(): TemplateReference {
    return this.#ref;
  }

  /** The request made for `machine`, if there is one. Named after the Machine: one per Machine and kind. */
  async find(machine: Stored<Machine>): Promise<KubeObject | undefined> {
    try {
      return await this.#client.get(remediationRequestType(this.#ref), {
        namespace: this.#namespace,
        name: machine.metadata.name!,
      });
    } catch (err) {
      // No CRD for the request kind yet means no request; creating one will say what is wrong.
      if (isNotFoundOrNoKind(err)) return undefined;
      throw err;
    }
  }

  /**
   * Creates the request for `machine` from the template's `spec.template`: the Machine's name and namespace,
   * the cluster-name label, the cloned-from annotations and an owner reference to the Machine (not as its
   * controller), so the request goes with the Machine. Throws `RemediationTemplateNotFoundError` when the
   * template cannot be read, and the API error when the create fails.
   */
  async create(machine: Stored<Machine>): Promise<CreateOutcome> {
    const template = await this.#readTemplate();
    const request = generateFromTemplate({
      template,
      namespace: machine.metadata.namespace ?? this.#namespace,
      name: machine.metadata.name!,
      clusterName: machine.spec.clusterName,
      ownerReference: {
        apiVersion: API_VERSION,
        kind: 'Machine',
        name: machine.metadata.name!,
        uid: machine.metadata.uid!,
      },
    });
    try {
      await this.#client.create(request);
      return 'created';
    } catch (err) {
      if (isAlreadyExists(err)) return 'exists';
      throw err;
    }
  }

  /** Deletes the request made for `machine`; one that is gone already (or never was) is fine. */
  async delete(machine: Stored<Machine>): Promise<void> {
    try {
      await this.#client.delete({
        ...remediationRequestType(this.#ref),
        metadata: { namespace: this.#namespace, name: machine.metadata.name! },
      });
    } catch (err) {
      if (!isNotFoundOrNoKind(err)) throw err;
    }
  }

  #readTemplate(): Promise<KubeObject> {
    this.#template ??= this.#client
      .get(
        { apiVersion: this.#ref.apiVersion, kind: this.#ref.kind },
        { namespace: this.#namespace, name: this.#ref.name },
      )
      .catch((err: unknown) => {
        throw new RemediationTemplateNotFoundError(
          `error retrieving remediation template ${this.#ref.kind} ${this.#namespace}/${this.#ref.name}: ${(err as Error).message}`,
          { cause: err },
        );
      });
    return this.#template;
  }
}
