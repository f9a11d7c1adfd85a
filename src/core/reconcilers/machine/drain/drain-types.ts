import type { PodSpec, PodStatus } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../../controller-runtime/api/object.js';
import {
  MachineDrainRuleDrainBehavior,
  type MachineDrainRule,
} from '../../../api/v1beta2/machine-drain-rule-types.js';

/** A core/v1 Pod as the client returns it. */
export type Pod = KubeObject & { spec?: PodSpec; status?: PodStatus };

/** Drain, Skip or WaitCompleted: MachineDrainRule's `spec.drain.behavior`. */
export type DrainBehavior =
  (typeof MachineDrainRuleDrainBehavior)[keyof typeof MachineDrainRuleDrainBehavior];
export const DrainBehavior = MachineDrainRuleDrainBehavior;

/** What a rule needs to be matched: its name (rules are tried alphabetically) and its spec. */
export type MachineDrainRuleLike = Pick<MachineDrainRule, 'spec'> & { metadata: { name?: string } };

/** Anything with labels: the Machine being drained, its Cluster. */
export interface Labelled {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
}

/** Why a Pod got its behaviour (upstream's PodDeleteStatus reasons). */
export const PodDrainReason = {
  Okay: 'Okay',
  Skip: 'Skip',
  WaitCompleted: 'WaitCompleted',
  Warning: 'Warning',
  Error: 'Error',
} as const;
export type PodDrainReason = (typeof PodDrainReason)[keyof typeof PodDrainReason];

/**
 * The verdict on one Pod (upstream's PodDeleteStatus): its behaviour, its order (Drain and WaitCompleted; 0
 * when unset), and why. An Error verdict has no behaviour: it fails the whole pass.
 */
export interface PodDrainStatus {
  behavior?: DrainBehavior;
  order?: number;
  reason: PodDrainReason;
  message?: string;
}

export interface ClassifiedPod {
  pod: Pod;
  status: PodDrainStatus;
}

/** Raised when the Pods to drain cannot be worked out (a list failed, a rule's selector is invalid, ...). */
export class DrainError extends Error {
  override readonly name = 'DrainError';
}
