import type { Attributes, Authorizer, Decision } from './attributes.js';
import { ruleAllows } from './rbac-rule.js';
import type {
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  RoleRef,
  Subject,
} from './rbac-types.js';
import { matchesServiceAccountUsername, type UserInfo, wellKnownUsers } from './user-info.js';

/**
 * Where the authorizer reads RBAC objects (plain rbac.authorization.k8s.io/v1 JSON). Synchronous on
 * purpose: back it with the store's in-memory state or an informer-style cache, never with I/O per request.
 * A function that throws counts as a resolution error (reported in the reason), not as a crash.
 */
export interface RbacSource {
  clusterRoles(): Iterable<ClusterRole>;
  clusterRoleBindings(): Iterable<ClusterRoleBinding>;
  /** Roles whose `metadata.namespace` is `namespace`. */
  roles(namespace: string): Iterable<Role>;
  /** RoleBindings whose `metadata.namespace` is `namespace`. */
  roleBindings(namespace: string): Iterable<RoleBinding>;
  /** Optional indexed lookups; without them roles are found by scanning `clusterRoles()` / `roles(ns)`. */
  getClusterRole?(name: string): ClusterRole | undefined;
  getRole?(namespace: string, name: string): Role | undefined;
}

export interface RbacAuthorizerOptions {
  /** Groups that bypass RBAC (apiserver's privileged-group authorizer). Default `[system:masters]`. */
  privilegedGroups?: readonly string[];
}

/** Rules that apply to a user in a namespace, and the errors met while resolving them. */
export interface ResolvedRules {
  rules: PolicyRule[];
  errors: string[];
}

/** Called per applicable rule with a description of where it came from; return false to stop. */
type RuleVisitor = (
  source: string | undefined,
  rule: PolicyRule | undefined,
  error: string | undefined,
) => boolean;

/**
 * kube-apiserver's RBAC authorizer (plugin/pkg/auth/authorizer/rbac), preceded by the `system:masters`
 * bypass. ClusterRoleBindings grant everywhere; RoleBindings grant inside their own namespace, whether they
 * reference a Role there or a ClusterRole. RBAC only allows or has no opinion, so a refusal is
 * `{allowed: false}` and its reason lists resolution errors (missing roles), if any.
 */
export class RbacAuthorizer implements Authorizer {
  readonly #source: RbacSource;
  readonly #privileged: readonly string[];

  constructor(source: RbacSource, options: RbacAuthorizerOptions = {}) {
    this.#source = source;
    this.#privileged = options.privilegedGroups ?? [wellKnownUsers.mastersGroup];
  }

  authorize(user: UserInfo, attrs: Attributes): Decision {
    if (user.groups.some((g) => this.#privileged.includes(g))) return { allowed: true, reason: '' };
    let allowedBy: string | undefined;
    const errors: string[] = [];
    this.#visitRulesFor(user, attrs.namespace ?? '', (source, rule, error) => {
      if (rule && ruleAllows(attrs, rule)) {
        allowedBy = source;
        return false;
      }
      if (error !== undefined) errors.push(error);
      return true;
    });
    if (allowedBy !== undefined) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length > 0 ? `RBAC: ${aggregateErrors(errors)}` : '' };
  }

  /** Every rule granted to `user` cluster-wide and, when `namespace` is set, inside it (for rules reviews). */
  rulesFor(user: UserInfo, namespace: string): ResolvedRules {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.#visitRulesFor(user, namespace, (_source, rule, error) => {
      if (rule) rules.push(rule);
      if (error !== undefined) errors.push(error);
      return true;
    });
    return { rules, errors };
  }

  #visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    let clusterBindings: Iterable<ClusterRoleBinding>;
    try {
      clusterBindings = this.#source.clusterRoleBindings();
    } catch (err) {
      clusterBindings = [];
      if (!visit(undefined, undefined, errorText(err))) return;
    }
    for (const binding of clusterBindings) {
      const subject = appliesTo(user, binding.subjects, '');
      if (!subject) continue;
      const resolved = this.#roleRefRules(binding.roleRef, '');
      if (typeof resolved === 'string') {
        if (!visit(undefined, undefined, resolved)) return;
        continue;
      }
      const source = `ClusterRoleBinding ${quote(binding.metadata?.name ?? '')} of ${binding.roleRef.kind} ${quote(
        binding.roleRef.name,
      )} to ${describeSubject(subject, '')}`;
      for (const rule of resolved) if (!visit(source, rule, undefined)) return;
    }

    if (!namespace) return;
    let bindings: Iterable<RoleBinding>;
    try {
      bindings = this.#source.roleBindings(namespace);
    } catch (err) {
      visit(undefined, undefined, errorText(err));
      return;
    }
    for (const binding of bindings) {
      const subject = appliesTo(user, binding.subjects, namespace);
      if (!subject) continue;
      const resolved = this.#roleRefRules(binding.roleRef, namespace);
      if (typeof resolved === 'string') {
        if (!visit(undefined, undefined, resolved)) return;
        continue;
      }
      const name = `${binding.metadata?.name ?? ''}/${binding.metadata?.namespace ?? namespace}`;
      const source = `RoleBinding ${quote(name)} of ${binding.roleRef.kind} ${quote(
        binding.roleRef.name,
      )} to ${describeSubject(subject, binding.metadata?.namespace ?? namespace)}`;
      for (const rule of resolved) if (!visit(source, rule, undefined)) return;
    }
  }

  /** The rules a roleRef points at, or an error text (rule.go `GetRoleReferenceRules`, lister wording). */
  #roleRefRules(ref: RoleRef, bindingNamespace: string): PolicyRule[] | string {
    try {
      switch (ref.kind) {
        case 'Role': {
          const role = this.#findRole(bindingNamespace, ref.name);
          if (!role) return `role.rbac.authorization.k8s.io ${quote(ref.name)} not found`;
          return role.rules ?? [];
        }
        case 'ClusterRole': {
          const role = this.#findClusterRole(ref.name);
          if (!role) return `clusterrole.rbac.authorization.k8s.io ${quote(ref.name)} not found`;
          return role.rules ?? [];
        }
        default:
          return `unsupported role reference kind: ${quote(ref.kind)}`;
      }
    } catch (err) {
      return errorText(err);
    }
  }

  #findRole(namespace: string, name: string): Role | undefined {
    if (!namespace) return undefined;
    if (this.#source.getRole) return this.#source.getRole(namespace, name);
    for (const role of this.#source.roles(namespace)) if (role.metadata?.name === name) return role;
    return undefined;
  }

  #findClusterRole(name: string): ClusterRole | undefined {
    if (this.#source.getClusterRole) return this.#source.getClusterRole(name);
    for (const role of this.#source.clusterRoles()) if (role.metadata?.name === name) return role;
    return undefined;
  }
}

/** The first subject of a binding that names the user (rule.go `appliesTo`). */
function appliesTo(
  user: UserInfo,
  subjects: readonly Subject[] | null | undefined,
  namespace: string,
): Subject | undefined {
  return (subjects ?? []).find((s) => appliesToUser(user, s, namespace));
}

function appliesToUser(user: UserInfo, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      // An unqualified ServiceAccount subject in a RoleBinding means one in the binding's namespace.
      const saNamespace = subject.namespace || namespace;
      if (!saNamespace) return false;
      return matchesServiceAccountUsername(saNamespace, subject.name, user.name);
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount')
    return `${s.kind} ${quote(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${quote(s.name)}`;
}

/** Go's `%q` for the plain strings that appear here. */
function quote(s: string): string {
  return JSON.stringify(s);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** apimachinery's aggregate error text: one message alone, several deduplicated inside `[a, b]`. */
export function aggregateErrors(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  if (messages.length === 1 || unique.length === 1) return unique[0] ?? '';
  return `[${unique.join(', ')}]`;
}
