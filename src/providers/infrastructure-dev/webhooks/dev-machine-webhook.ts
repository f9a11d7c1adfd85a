import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { denyIfInvalid, fieldError } from '../../../controller-runtime/webhook/field-errors.js';
import type { WebhookRegistration } from '../../../controller-runtime/webhook/webhook.js';
import type { DevMachine, DevMachineSpec } from '../api/dev-machine-types.js';
import { API_VERSION, GROUP } from '../api/group.js';

export type DevMachineObject = DevMachine & KubeObject;

const GROUP_KIND = `DevMachine.${GROUP}`;

/** Upstream's DevMachine default: the docker backend when none is chosen. */
export function defaultDevMachineSpec(spec: DevMachineSpec): void {
  if (spec.backend.inMemory == null && spec.backend.docker == null) spec.backend.docker = {};
}

/**
 * DevMachine admission: the backend default, and the node image of a docker machine cannot change (the
 * container exists already; a new image needs a new Machine).
 */
export function devMachineWebhook(): WebhookRegistration<DevMachineObject> {
  return {
    type: { apiVersion: API_VERSION, kind: 'DevMachine' },
    resource: 'devmachines',
    defaulter: {
      default(machine) {
        defaultDevMachineSpec((machine.spec ??= { backend: {} }));
      },
    },
    validator: {
      validateUpdate(oldMachine, newMachine) {
        const oldDocker = oldMachine.spec?.backend.docker;
        const newDocker = newMachine.spec?.backend.docker;
        if (oldDocker == null || newDocker == null) return;
        // Go compares plain strings, where unset and "" are the same.
        if ((oldDocker.customImage ?? '') === (newDocker.customImage ?? '')) return;
        denyIfInvalid(GROUP_KIND, newMachine.metadata.name ?? '', [
          fieldError.forbidden('spec.backend.docker.customImage', 'cannot be modified'),
        ]);
      },
    },
  };
}
