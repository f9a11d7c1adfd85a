import type { TypeRef } from '../../../controller-runtime/api/object.js';
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

const MACHINE_CONDITIONS = [MachineCondition.HealthCheckSucceeded, MachineCondition.OwnerRemediated];

/**
 * MachineHealthCheck: judges every target Machine (selector + cluster) by its conditions and its Node's, sets
 * `HealthCheckSucceeded` on each, and when `triggerIf` allows, marks unhealthy ones `OwnerRemediated=False` for
 * their owner (MachineSet, control plane) to replace; otherwise says why in `RemediationAllowed` and an
 * event. Comes back when the earliest pending timeout expires.
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
          const message = `Remediation is not allowed, the number of not started or unhealthy machines exceeds maxUnhealthy (total: ${total}, unhealthy: ${unhealthy.length}, maxUnhealthy: ${trigger.limit})`;
          if (getCondition(mhc, MachineHealthCheckCondition.RemediationAllowed)?.status !== 'False')
            this.#o.recorder.event(mhc, 'Warning', 'RemediationRestricted', message);
          setCondition(mhc, {
            type: MachineHealthCheckCondition.RemediationAllowed,
            status: 'False',
            reason: MachineHealthCheckReason.TooManyUnhealthy,
            message,
          });
          log.info({ total, unhealthy: unhealthy.length, limit: trigger.limit }, 'remediation not allowed');
        }
        let next: number | undefined;
        for (const m of targets) {
          const v = verdicts.get(m.metadata.name!);
          if (!v || v === 'skip') continue;
          if (v.nextCheckMs !== undefined)
            next = next === undefined ? v.nextCheckMs : Math.min(next, v.nextCheckMs);
          await this.#markMachine(m, v, trigger.allowed);
        }
        return next !== undefined ? { requeueAfterMs: Math.max(100, Math.ceil(next)) } : undefined;
      },
    );
  }

  async #markMachine(machine: Stored<Machine>, v: Verdict, remediate: boolean): Promise<void> {
    const helper = PatchHelper.create(machine, this.#o.client);
    if (v.healthy) {
      setCondition(machine, {
        type: MachineCondition.HealthCheckSucceeded,
        status: 'True',
        reason: MachineReason.HealthCheckSucceeded,
      });
      deleteCondition(machine, MachineCondition.OwnerRemediated);
    } else {
      setCondition(machine, {
        type: MachineCondition.HealthCheckSucceeded,
        status: 'False',
        reason: v.reason!,
        message: v.message ?? '',
      });
      if (remediate && getCondition(machine, MachineCondition.OwnerRemediated)?.status !== 'False') {
        setCondition(machine, {
          type: MachineCondition.OwnerRemediated,
          status: 'False',
          reason: MachineReason.OwnerRemediatedWaitingForRemediation,
          message: 'Waiting for remediation',
        });
        this.#o.metrics?.machineRemediations.inc({ reason: v.reason ?? '' });
        this.#o.recorder.event(
          machine,
          'Normal',
          'MachineMarkedUnhealthy',
          `Machine ${machine.metadata.name} has been marked as unhealthy: ${v.message ?? v.reason}`,
        );
      }
    }
    try {
      await helper.patch(machine, { ownedConditions: MACHINE_CONDITIONS });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
