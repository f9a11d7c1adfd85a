import type { FieldError } from '../errors/field-error.js';
import type { KubeObject, ManagedFieldsEntry, ResourceDefinition } from './resource-definition.js';

/** Schema operations for one resource version (pruning, defaulting, validation), from admission/. */
export interface SchemaOps {
  /** Removes unknown fields in place; returns their paths (`spec.foo`). */
  prune(obj: KubeObject): string[];
  applyDefaults(obj: KubeObject): void;
  validate(obj: KubeObject, old: KubeObject | undefined): FieldError[];
}

export interface ApplyInput {
  def: ResourceDefinition;
  live: KubeObject | undefined;
  applied: KubeObject;
  manager: string;
  force: boolean;
  subresource: string | undefined;
  now: Date;
}

export interface UpdateInput {
  def: ResourceDefinition;
  previous: KubeObject | undefined;
  next: KubeObject;
  manager: string;
  subresource: string | undefined;
  now: Date;
}

/** managedFields bookkeeping and server-side apply, from managed-fields/. */
export interface FieldManager {
  /** Merges an apply configuration into the live object; throws a 409 StatusError on conflicts. */
  apply(input: ApplyInput): { object: KubeObject; managedFields: ManagedFieldsEntry[] };
  /** The managedFields after a non-apply write by `manager`. */
  update(input: UpdateInput): ManagedFieldsEntry[];
}

/** Admission plug-in point (in-process now; webhooks later). Runs after defaulting, before validation. */
export interface AdmissionPlugin {
  name: string;
  mutate?: (ctx: AdmissionContext) => void | Promise<void>;
  validate?: (ctx: AdmissionContext) => FieldError[] | Promise<FieldError[]>;
}

export interface AdmissionContext {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  def: ResourceDefinition;
  object: KubeObject | undefined;
  oldObject: KubeObject | undefined;
  subresource: string | undefined;
  user: { name: string; groups: string[] };
  dryRun: boolean;
  /** Warnings for the client (`Warning:` response headers, printed by kubectl). */
  warnings?: string[];
}
