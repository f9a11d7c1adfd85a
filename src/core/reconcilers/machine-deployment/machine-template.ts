// Which MachineSet carries the MachineDeployment's current template (upstream mdutil:
// `MachineTemplateDeepCopyRolloutFields`, `MachineTemplateUpToDate`, `FindNewAndOldMachineSets`), and the
// template hash in the `machine-template-hash` label.
import { deepClone, deepEqual } from '../../../controller-runtime/util/merge-patch.js';
import type { MachineTemplateSpec } from '../../api/v1beta2/machine-types.js';

const TEMPLATE_SUFFIX = 'Template';

/** What a MachineSet needs for the comparison: its template, name, creation time and size. */
export interface TemplatedMachineSet {
  metadata: { name?: string; creationTimestamp?: string };
  spec?: { replicas?: number; template?: MachineTemplateSpec };
}

/** The part of a MachineDeployment the comparison reads. */
export interface TemplatedMachineDeployment {
  spec?: { template?: MachineTemplateSpec; rollout?: { after?: string } };
}

/** Why a template is not up to date: lines for logs, and the `* ...` lines of a Machine's UpToDate condition. */
export interface UpToDateResult {
  upToDate: boolean;
  logMessages: string[];
  conditionMessages: string[];
}

/**
 * A copy of the template with every field that is changed in place (never the reason for a rollout) cleared:
 * labels, annotations, minReadySeconds, readinessGates, the deletion timeouts and taints; and the fields that
 * must never differ or be set (clusterName, providerID).
 */
export function rolloutFields(template: MachineTemplateSpec | undefined): MachineTemplateSpec {
  const copy = deepClone(template ?? ({ spec: {} } as MachineTemplateSpec));
  delete copy.metadata;
  const spec = (copy.spec ??= {} as MachineTemplateSpec['spec']);
  delete (spec as { clusterName?: string }).clusterName;
  delete spec.providerID;
  delete spec.minReadySeconds;
  delete spec.readinessGates;
  delete spec.taints;
  if (spec.deletion) {
    delete spec.deletion.nodeDrainTimeoutSeconds;
    delete spec.deletion.nodeVolumeDetachTimeoutSeconds;
    delete spec.deletion.nodeDeletionTimeoutSeconds;
    if (Object.keys(spec.deletion).length === 0) delete spec.deletion;
  }
  return copy;
}

/** JSON with object keys sorted, so equal templates always print (and hash) the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 32-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * The hash part of the `machine-template-hash` label: FNV-1a of the rollout fields, in decimal as upstream
 * prints it. Upstream hashes Go's spew dump of the struct, so the numbers differ from a Go controller's; the
 * value only makes the label unique (rollout decisions compare templates, never hashes).
 */
export function templateHash(template: MachineTemplateSpec | undefined): number {
  return fnv32a(canonicalJson(rolloutFields(template)));
}

const trimTemplateSuffix = (kind: string | undefined): string =>
  kind?.endsWith(TEMPLATE_SUFFIX) ? kind.slice(0, -TEMPLATE_SUFFIX.length) : (kind ?? '');

const isDefined = (ref: { apiGroup?: string; kind?: string; name?: string } | undefined): boolean =>
  !!(ref?.apiGroup || ref?.kind || ref?.name);

/**
 * Whether `current` (a MachineSet's template) matches `desired` (the MachineDeployment's), ignoring what is
 * propagated in place. Only version, bootstrap, infrastructureRef and failureDomain count; the condition
 * messages are upstream's words (the MachineDeployment's RollingOut message is built from them).
 */
export function machineTemplateUpToDate(
  current: MachineTemplateSpec | undefined,
  desired: MachineTemplateSpec | undefined,
): UpToDateResult {
  const c = rolloutFields(current).spec;
  const d = rolloutFields(desired).spec;
  const log: string[] = [];
  const cond: string[] = [];
  if ((c.version ?? '') !== (d.version ?? '')) {
    log.push(`spec.version ${c.version ?? ''}, ${d.version ?? ''} required`);
    cond.push(`Version ${c.version ?? ''}, ${d.version ?? ''} required`);
  }
  if (!deepEqual(c.bootstrap ?? {}, d.bootstrap ?? {})) {
    if (isDefined(c.bootstrap?.configRef)) {
      const cr = c.bootstrap?.configRef;
      const dr = d.bootstrap?.configRef;
      log.push(
        `spec.bootstrap.configRef ${cr?.kind ?? ''} ${cr?.name ?? ''}, ${dr?.kind ?? ''} ${dr?.name ?? ''} required`,
      );
      cond.push(`${trimTemplateSuffix(cr?.kind)} is not up-to-date`);
    } else {
      const msg = `spec.bootstrap.dataSecretName ${c.bootstrap?.dataSecretName ?? 'nil'}, ${d.bootstrap?.dataSecretName ?? 'nil'} required`;
      log.push(msg);
      cond.push(msg);
    }
  }
  if (!deepEqual(c.infrastructureRef ?? {}, d.infrastructureRef ?? {})) {
    const cr = c.infrastructureRef;
    const dr = d.infrastructureRef;
    log.push(
      `spec.infrastructureRef ${cr?.kind ?? ''} ${cr?.name ?? ''}, ${dr?.kind ?? ''} ${dr?.name ?? ''} required`,
    );
    cond.push(`${trimTemplateSuffix(cr?.kind)} is not up-to-date`);
  }
  if ((c.failureDomain ?? '') !== (d.failureDomain ?? '')) {
    log.push(`spec.failureDomain ${c.failureDomain ?? ''}, ${d.failureDomain ?? ''} required`);
    cond.push(`Failure domain ${c.failureDomain ?? ''}, ${d.failureDomain ?? ''} required`);
  }
  return { upToDate: log.length === 0 && cond.length === 0, logMessages: log, conditionMessages: cond };
}

/** A time as milliseconds, truncated to whole seconds as `metav1.Time` is (creation timestamps are). */
export function timeSeconds(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000) * 1000;
}

/**
 * `spec.rollout.after` has passed and this MachineSet was created before it: its Machines must be replaced
 * even though its template matches.
 */
export function rolloutAfterExpired(
  md: TemplatedMachineDeployment,
  ms: TemplatedMachineSet,
  nowMs: number,
): boolean {
  const after = timeSeconds(md.spec?.rollout?.after);
  if (after === undefined || !(after < nowMs)) return false;
  const created = timeSeconds(ms.metadata.creationTimestamp) ?? nowMs;
  return created < after;
}

/** `MachineSetsByDecreasingReplicas`: most replicas first, then oldest, then by name. */
export function byDecreasingReplicas(a: TemplatedMachineSet, b: TemplatedMachineSet): number {
  const ra = a.spec?.replicas;
  const rb = b.spec?.replicas;
  if (ra === undefined && rb !== undefined) return 1;
  if (rb === undefined && ra !== undefined) return -1;
  if ((ra ?? 0) !== (rb ?? 0)) return (rb ?? 0) - (ra ?? 0);
  const ta = timeSeconds(a.metadata.creationTimestamp) ?? 0;
  const tb = timeSeconds(b.metadata.creationTimestamp) ?? 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

export interface NewAndOld<T extends TemplatedMachineSet> {
  newMS?: T;
  oldMSs: T[];
  /** Why a new MachineSet must be created (empty when there is a current one). */
  createReason: string;
  /** Per MachineSet name, how its template compares. */
  results: Map<string, UpToDateResult>;
}

/**
 * The current MachineSet (its template matches the MachineDeployment's, ignoring in-place fields; with the
 * most replicas when several match; created at or after `spec.rollout.after` once that time has passed) and
 * the old ones.
 */
export function findNewAndOldMachineSets<T extends TemplatedMachineSet>(
  md: TemplatedMachineDeployment,
  machineSets: readonly T[],
  nowMs: number,
): NewAndOld<T> {
  const results = new Map<string, UpToDateResult>();
  if (machineSets.length === 0)
    return { oldMSs: [], results, createReason: 'no MachineSets exist for the MachineDeployment' };
  const sorted = [...machineSets].sort(byDecreasingReplicas);
  const candidates: T[] = [];
  const oldMSs: T[] = [];
  const diffs: string[] = [];
  const after = timeSeconds(md.spec?.rollout?.after);
  for (const ms of sorted) {
    const result = machineTemplateUpToDate(ms.spec?.template, md.spec?.template);
    results.set(ms.metadata.name ?? '', result);
    if (result.upToDate) {
      candidates.push(ms);
      continue;
    }
    oldMSs.push(ms);
    if (rolloutAfterExpired(md, ms, nowMs))
      result.logMessages.push('MachineDeployment spec.rolloutAfter expired');
    diffs.push(`MachineSet ${ms.metadata.name ?? ''} needs rollout: ${result.logMessages.join(', ')}`);
  }
  if (candidates.length === 0) {
    return {
      oldMSs,
      results,
      createReason: `couldn't find MachineSet matching MachineDeployment spec template: ${diffs.join('; ')}`,
    };
  }
  if (after === undefined || nowMs < after) {
    return { newMS: candidates[0], oldMSs: [...oldMSs, ...candidates.slice(1)], results, createReason: '' };
  }
  let newMS: T | undefined;
  for (const ms of candidates) {
    const created = timeSeconds(ms.metadata.creationTimestamp) ?? nowMs;
    if (!newMS && created >= after) newMS = ms;
    else oldMSs.push(ms);
  }
  if (!newMS) {
    return {
      oldMSs,
      results,
      createReason: `spec.rollout.after on MachineDeployment set to ${new Date(after).toISOString().replace(/\.\d{3}Z$/, 'Z')}, no MachineSet has been created afterwards`,
    };
  }
  return { newMS, oldMSs, results, createReason: '' };
}
