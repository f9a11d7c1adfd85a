import type { TypeRef } from '../../../controller-runtime/api/object.js';
import type { Logger } from 'pino';
import type { Client } from '../../../controller-runtime/client/client.js';
import { isNotFound } from '../../../controller-runtime/client/errors.js';
import { deleteCondition, getCondition, setCondition } from '../../../controller-runtime/conditions/index.js';
import {
  type ReconcileContext,
  type Reconciler,
  type Request,
  type Result,
  TerminalError,
} from '../../../controller-runtime/controller/reconciler.js';
import type { EventRecorder } from '../../../controller-runtime/events/event-recorder.js';
import { PatchHelper } from '../../../controller-runtime/helpers/patch-helper.js';
import { withPatch } from '../../../controller-runtime/helpers/with-patch.js';
import type { Cluster } from '../../api/v1beta2/cluster-types.js';
import { API_VERSION } from '../../api/v1beta2/group.js';
import type { MachineHealthCheck } from '../../api/v1beta2/machine-health-check-types.js';
import type { Machine } from '../../api/v1beta2/machine-types.js';
import {
  Annotation,
  Label,
  MachineCondition,
  MachineHealthCheckCondition,
  MachineHealthCheckReason,
  MachineReason,
} from '../../api/v1beta2/well-known.js';
import { isPaused, setPausedCondition } from '../../contract/paused.js';
import { isSelectorError, labelSelectorAsSelector } from '../../webhooks/util/label-selector.js';
import type { CoreMetrics } from '../../metrics/core-metrics.js';
import type { Stored } from '../cluster/cluster-scope.js';
import { isControlPlaneMachine, nodeByName, type Node } from '../machine/machine-node.js';
import type { WorkloadAccess } from '../machine/workload-access.js';
import {
  ExternalRemediation,
  isRemediationTemplateNotFound,
  remediationRequestType,
} from './external-remediation.js';
import { judgeMachine, remediationAllowed, type Verdict } from './health.js';

export const MachineHealthCheckType: TypeRef = { apiVersion: API_VERSION, kind: 'MachineHealthCheck' };
const ClusterType: TypeRef = { apiVersion: API_VERSION, kind: 'Cluster' };
const MachineType: TypeRef = { apiVersion: API_VERSION, kind: 'Machine' };

export interface MachineHealthCheckReconcilerOptions {
  client: Client;
  workload: WorkloadAccess;
  recorder: EventRecorder;
  metrics?: CoreMetrics;
  now?: () => number;
}

const noError = (): undefined => undefined;
const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

// ExternallyRemediated is deliberately not owned: the MachineHealthCheck sets it first, then the external
// remediation controller may update or remove it (upstream), and its writes must not be overwritten.
const MACHINE_CONDITIONS = [MachineCondition.HealthCheckSucceeded, MachineCondition.OwnerRemediated];

/** The ExternallyRemediated reasons this controller writes (the external controller may write others). */
const OWN_EXTERNAL_REASONS: ReadonlySet<string> = new Set([
  MachineReason.ExternallyRemediatedWaitingForRemediation,
  MachineReason.ExternallyRemediatedRemediationTemplateNotFound,
  MachineReason.ExternallyRemediatedRemediationRequestCreationFailed,
]);

/**
 * MachineHealthCheck: judges every target Machine (selector + cluster) by its conditions and its Node's, sets
 * `HealthCheckSucceeded` on each, and when `triggerIf` allows, hands unhealthy ones to remediation: without
 * `spec.remediation.templateRef` by marking them `OwnerRemediated=False` for their owner (MachineSet, control
 * plane) to replace; with it by creating a remediation request from that template, named after the Machine
 * (`ExternallyRemediated`), which goes again once the Machine is healthy. When `triggerIf` does not allow it,
 * says why in `RemediationAllowed` and an event. Comes back when the earliest pending timeout expires.
 */
export class MachineHealthCheckReconciler implements Reconciler {
  readonly #o: MachineHealthCheckReconcilerOptions;
  readonly #now: () => number;

  constructor(options: MachineHealthCheckReconcilerOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async reconcile(request: Request, { log }: ReconcileContext): Promise<Result | undefined> {
    const client = this.#o.client;
    let mhc: Stored<MachineHealthCheck>;
    try {
      mhc = await client.get<Stored<MachineHealthCheck>>(MachineHealthCheckType, request);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    let cluster: Stored<Cluster>;
    try {
      cluster = await client.get<Stored<Cluster>>(ClusterType, {
        namespace: mhc.metadata.namespace,
        name: mhc.spec.clusterName,
      });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    return withPatch(
      client,
      mhc,
      [MachineHealthCheckCondition.RemediationAllowed, MachineHealthCheckCondition.Paused],
      async () => {
        if (setPausedCondition(mhc, isPaused(cluster, mhc))) return undefined;
        if (mhc.metadata.deletionTimestamp) return undefined;
        // Owned by its Cluster, so it goes with it.
        if (!(mhc.metadata.ownerReferences ?? []).some((r) => r.uid === cluster.metadata.uid))
          mhc.metadata.ownerReferences = [
            ...(mhc.metadata.ownerReferences ?? []),
            {
              apiVersion: API_VERSION,
              kind: 'Cluster',
              name: cluster.metadata.name!,
              uid: cluster.metadata.uid!,
            },
          ];
        const selector = labelSelectorAsSelector(mhc.spec.selector);
        if (isSelectorError(selector)) throw new TerminalError(`spec.selector: ${selector.error}`);
        const targets = (
          await client.list<Stored<Machine>>(MachineType, {
            namespace: mhc.metadata.namespace,
            labelSelector: { [Label.ClusterName]: cluster.metadata.name! },
          })
        ).items.filter((m) => !m.metadata.deletionTimestamp && selector.matches(m.metadata.labels));
        const cpInitialized = cluster.status?.initialization?.controlPlaneInitialized === true;
        const infraReady = cluster.status?.initialization?.infrastructureProvisioned === true;
        const key = { namespace: cluster.metadata.namespace ?? '', name: cluster.metadata.name ?? '' };
        let wl: Client | undefined;
        try {
          wl = this.#o.workload.getClient(key);
        } catch {
          wl = undefined;
        }
        const verdicts = new Map<string, Verdict | 'skip'>();
        for (const m of targets) {
          // Not judged (upstream): before the cluster can run Nodes, or when remediation is switched off for it.
          if (
            !infraReady ||
            (!cpInitialized && !isControlPlaneMachine(m)) ||
            Annotation.MachineSkipRemediation in (m.metadata.annotations ?? {}) ||
            Annotation.Paused in (m.metadata.annotations ?? {})
          ) {
            verdicts.set(m.metadata.name!, 'skip');
            continue;
          }
          let node: Node | undefined;
          let nodeMissing = false;
          const nodeName = m.status?.nodeRef?.name;
          if (nodeName) {
            if (!wl) {
              verdicts.set(m.metadata.name!, 'skip'); // Cannot see the Node: no verdict rather than a wrong one.
              continue;
            }
            node = await nodeByName(wl, nodeName);
            nodeMissing = !node;
          }
          verdicts.set(
            m.metadata.name!,
            judgeMachine({
              machine: m,
              cluster,
              node,
              nodeMissing,
              checks: mhc.spec.checks ?? {},
              now: this.#now(),
            }),
          );
        }
        const unhealthy = targets.filter((m) => {
          const v = verdicts.get(m.metadata.name!);
          return v !== 'skip' && v && !v.healthy;
        });
        const total = targets.length;
        const trigger = remediationAllowed(mhc.spec.remediation?.triggerIf, total, unhealthy.length);
        const status = (mhc.status ??= {});
        status.expectedMachines = total;
        status.currentHealthy = total - unhealthy.length;
        status.remediationsAllowed = trigger.remaining;
        status.targets = targets.map((m) => m.metadata.name!).sort();
        if (trigger.allowed) {
          setCondition(mhc, {
            type: MachineHealthCheckCondition.RemediationAllowed,
            status: 'True',
            reason: MachineHealthCheckReason.RemediationAllowed,
          });
        } else {
          const message = mhc.spec.remediation?.triggerIf?.unhealthyInRange
            ? `Remediation is not allowed, the number of not started or unhealthy machines does not fall within the range (total: ${total}, unhealthy: ${unhealthy.length}, unhealthyRange: ${trigger.limit})`
            : `Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: ${total}, unhealthy: ${unhealthy.length}, maxUnhealthy: ${trigger.limit})`;
          // Upstream: no event while nothing is unhealthy (a range whose minimum is not reached), as it would mislead.
          const was = getCondition(mhc, MachineHealthCheckCondition.RemediationAllowed);
          if (unhealthy.length > 0 && (was?.status !== 'False' || was.message !== message))
            this.#o.recorder.event(mhc, 'Warning', 'RemediationRestricted', message);
          setCondition(mhc, {
            type: MachineHealthCheckCondition.RemediationAllowed,
            status: 'False',
            reason: MachineHealthCheckReason.TooManyUnhealthy,
            message,
          });
          log.info({ total, unhealthy: unhealthy.length, limit: trigger.limit }, 'remediation not allowed');
        }
        const templateRef = mhc.spec.remediation?.templateRef;
        const external = templateRef
          ? new ExternalRemediation(client, mhc.metadata.namespace ?? '', templateRef)
          : undefined;
        let next: number | undefined;
        const errors: Error[] = [];
        for (const m of targets) {
          const v = verdicts.get(m.metadata.name!);
          if (!v || v === 'skip') continue;
          if (v.nextCheckMs !== undefined)
            next = next === undefined ? v.nextCheckMs : Math.min(next, v.nextCheckMs);
          try {
            await this.#markMachine({
              mhc,
              machine: m,
              verdict: v,
              remediate: trigger.allowed,
              external,
              log,
            });
          } catch (err) {
            errors.push(err as Error);
          }
        }
        // Like upstream, a missing template or a failed request is an error: retried with backoff.
        const [first] = errors;
        if (first)
          throw errors.length === 1
            ? first
            : new AggregateError(errors, errors.map((e) => e.message).join('; '));
        return next !== undefined ? { requeueAfterMs: Math.max(100, Math.ceil(next)) } : undefined;
      },
    );
  }

  async #markMachine(input: {
    mhc: Stored<MachineHealthCheck>;
    machine: Stored<Machine>;
    verdict: Verdict;
    remediate: boolean;
    external: ExternalRemediation | undefined;
    log: Logger;
  }): Promise<void> {
    const { machine, verdict: v, remediate, external } = input;
    const helper = PatchHelper.create(machine, this.#o.client);
    // A failed request step still lets HealthCheckSucceeded (and what explains the failure) reach the Machine.
    let failure: Error | undefined;
    if (v.healthy) {
      setCondition(machine, {
        type: MachineCondition.HealthCheckSucceeded,
        status: 'True',
        reason: MachineReason.HealthCheckSucceeded,
      });
      deleteCondition(machine, MachineCondition.OwnerRemediated);
      if (external)
        failure = await this.#withdrawRemediationRequest(machine, external).then(noError, asError);
    } else {
      setCondition(machine, {
        type: MachineCondition.HealthCheckSucceeded,
        status: 'False',
        reason: v.reason!,
        message: v.message ?? '',
      });
      if (remediate && external) {
        failure = await this.#requestExternalRemediation({ ...input, external }).then(noError, asError);
      } else if (remediate && getCondition(machine, MachineCondition.OwnerRemediated)?.status !== 'False') {
        setCondition(machine, {
          type: MachineCondition.OwnerRemediated,
          status: 'False',
          reason: MachineReason.OwnerRemediatedWaitingForRemediation,
          message: 'Waiting for remediation',
        });
        this.#markedUnhealthy(machine, v);
      }
    }
    try {
      await helper.patch(machine, { ownedConditions: MACHINE_CONDITIONS });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (failure) throw failure;
  }

  /**
   * Hands an unhealthy Machine to the external remediation: creates its request unless there is one, and sets
   * `ExternallyRemediated=False` (never `OwnerRemediated`, so its owner leaves it alone). A missing template or
   * a failed create is said on the Machine (`RemediationTemplateNotFound`, `RemediationRequestCreationFailed`),
   * in a warning event on the MachineHealthCheck when it starts, and thrown to be retried.
   */
  async #requestExternalRemediation(input: {
    mhc: Stored<MachineHealthCheck>;
    machine: Stored<Machine>;
    verdict: Verdict;
    external: ExternalRemediation;
    log: Logger;
  }): Promise<void> {
    const { mhc, machine, verdict: v, external, log } = input;
    // A request in place (in remediation, or being finished by its controller) is left to its controller.
    if (await external.find(machine)) return;
    const previous = getCondition(machine, MachineCondition.ExternallyRemediated);
    const ref = external.templateRef;
    try {
      if ((await external.create(machine)) === 'exists') return;
    } catch (err) {
      const notFound = isRemediationTemplateNotFound(err);
      const reason = notFound
        ? MachineReason.ExternallyRemediatedRemediationTemplateNotFound
        : MachineReason.ExternallyRemediatedRemediationRequestCreationFailed;
      setCondition(machine, {
        type: MachineCondition.ExternallyRemediated,
        status: 'False',
        reason,
        message: notFound
          ? `Error retrieving remediation template ${ref.kind} ${mhc.metadata.namespace}/${ref.name}`
          : 'Please check controller logs for errors',
      });
      const message = notFound
        ? `Cannot remediate Machine ${machine.metadata.name}: ${(err as Error).message}`
        : `Cannot create ${remediationRequestType(ref).kind} ${machine.metadata.name} to remediate Machine ${machine.metadata.name}: ${(err as Error).message}`;
      if (previous?.reason !== reason) this.#o.recorder.event(mhc, 'Warning', reason, message);
      log.info({ machine: machine.metadata.name, reason, err }, 'external remediation request not created');
      throw err;
    }
    setCondition(machine, {
      type: MachineCondition.ExternallyRemediated,
      status: 'False',
      reason: MachineReason.ExternallyRemediatedWaitingForRemediation,
    });
    log.info(
      { machine: machine.metadata.name, kind: remediationRequestType(ref).kind, reason: v.reason },
      'created external remediation request',
    );
    this.#markedUnhealthy(machine, v);
  }

  /**
   * A healthy Machine needs no remediation request: deletes it, and drops the `ExternallyRemediated` condition
   * this controller wrote (one the external controller wrote stays its business). Without a cached request but
   * with our `WaitingForRemediation` still on the Machine, deletes by name: the cache may not have seen a
   * request created moments ago.
   */
  async #withdrawRemediationRequest(machine: Stored<Machine>, external: ExternalRemediation): Promise<void> {
    const c = getCondition(machine, MachineCondition.ExternallyRemediated);
    const ours = c?.status === 'False' && OWN_EXTERNAL_REASONS.has(c.reason);
    const request = await external.find(machine);
    if (
      request
        ? !request.metadata.deletionTimestamp
        : ours && c.reason === MachineReason.ExternallyRemediatedWaitingForRemediation
    )
      await external.delete(machine);
    if (ours) deleteCondition(machine, MachineCondition.ExternallyRemediated);
  }

  #markedUnhealthy(machine: Stored<Machine>, v: Verdict): void {
    this.#o.metrics?.machineRemediated(machine, v.reason ?? '');
    this.#o.recorder.event(
      machine,
      'Normal',
      'MachineMarkedUnhealthy',
      `Machine ${machine.metadata.name} has been marked as unhealthy: ${v.message ?? v.reason}`,
    );
  }
}
