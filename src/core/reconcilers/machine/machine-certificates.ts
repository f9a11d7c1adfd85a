// `status.certificatesExpiryDate` of control plane Machines (upstream `reconcileCertificateExpiry`).
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { Annotation } from '../../api/v1beta2/well-known.js';

/** The `machine.cluster.x-k8s.io/certificates-expiry` annotation is not an RFC 3339 time. */
export class InvalidCertificatesExpiryError extends Error {
  override readonly name = 'InvalidCertificatesExpiryError';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 time (as Go's `time.Parse(time.RFC3339, ...)` takes it: `T`, `Z` or a `±hh:mm` offset, optional
 * fraction, each field in range) as `metav1.Time` writes it: UTC, whole seconds. Undefined when it is not one.
 */
export function parseRFC3339(value: string): string | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59)
    return undefined;
  if (m[9] && (Number(m[10]) > 23 || Number(m[11]) > 59)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const expiryOn = (obj: Pick<KubeObject, 'kind' | 'metadata'>): string | undefined => {
  const raw = obj.metadata.annotations?.[Annotation.MachineCertificatesExpiryDate];
  if (raw === undefined) return undefined;
  const parsed = parseRFC3339(raw);
  if (!parsed)
    throw new InvalidCertificatesExpiryError(
      `failed to reconcile certificates expiry: failed to parse expiry date from annotation on ${obj.kind ?? 'object'} ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}: ${JSON.stringify(raw)} is not an RFC 3339 time`,
    );
  return parsed;
};

/**
 * When the certificates of a control plane Machine expire: the annotation on the Machine, else the same annotation
 * on its bootstrap config; undefined (the field is cleared) when neither has it. An annotation that is not an
 * RFC 3339 time is an error (upstream fails the reconcile and leaves the field as it was).
 */
export function certificatesExpiryDate(
  machine: Pick<KubeObject, 'kind' | 'metadata'>,
  bootstrapConfig: Pick<KubeObject, 'kind' | 'metadata'> | undefined,
): string | undefined {
  const fromMachine = expiryOn(machine);
  if (Annotation.MachineCertificatesExpiryDate in (machine.metadata.annotations ?? {})) return fromMachine;
  return bootstrapConfig ? expiryOn(bootstrapConfig) : undefined;
}
