// The replica default of scalable kinds (MachineSet, MachineDeployment, MachinePool). Keeping the autoscaler's
// min/max annotations in mind lets users hand an existing group to the cluster autoscaler by unsetting
// `spec.replicas` without a disruptive jump to 1.
import { denyForbidden } from '../../../controller-runtime/webhook/field-errors.js';
import { Annotation } from '../../api/v1beta2/index.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Go's strconv.ParseInt(s, 10, 32): the value, or its error text. */
function parseInt32(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  return n < INT32_MIN || n > INT32_MAX
    ? `strconv.ParseInt: parsing ${JSON.stringify(s)}: value out of range`
    : n;
}

export interface ReplicaDefaultInput {
  kind: 'MachineSet' | 'MachineDeployment' | 'MachinePool';
  name: string;
  replicas: number | undefined;
  annotations: Record<string, string> | undefined;
  /** Whether the object is being created (no previous version exists). */
  isCreate: boolean;
  /** `spec.replicas` of the previous version, on updates. */
  oldReplicas: number | undefined;
}

/**
 * The value `spec.replicas` gets: kept when set; with both autoscaler annotations, the min size for new objects
 * and the previous value clamped into [min, max] for existing ones; otherwise 1.
 */
export function defaultReplicas(input: ReplicaDefaultInput): number {
  if (input.replicas !== undefined) return input.replicas;
  const minText = input.annotations?.[Annotation.AutoscalerMinSize];
  const maxText = input.annotations?.[Annotation.AutoscalerMaxSize];
  if (minText === undefined || maxText === undefined) return 1;
  const fail = (key: string, err: string): never =>
    // Upstream's message, typo included, so scripts matching it keep working.
    denyForbidden(
      input.kind,
      input.name,
      `failed to caculate ${input.kind} replicas value: could not parse the value of the ${JSON.stringify(key)} annotation: ${err}`,
    );
  const min = parseInt32(minText);
  if (typeof min === 'string') return fail(Annotation.AutoscalerMinSize, min);
  const max = parseInt32(maxText);
  if (typeof max === 'string') return fail(Annotation.AutoscalerMaxSize, max);
  if (input.isCreate || input.oldReplicas === undefined) return min;
  if (input.oldReplicas < min) return min;
  if (input.oldReplicas > max) return max;
  return input.oldReplicas;
}
