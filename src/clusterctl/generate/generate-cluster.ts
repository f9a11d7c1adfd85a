import semver from 'semver';
import { isDNS1123Label, isDNS1123Subdomain } from '../../apiserver/admission/names.js';
import { UsageError } from '../errors.js';
import { EnvsubstTemplate, type TemplateVariable, type VariableLookup } from './envsubst.js';
import { InvalidTemplateOptionError } from './errors.js';
import { DEFAULT_FLAVOR, findFlavor } from './flavors.js';
import { renderTemplate, type TemplateSource } from './render-template.js';
import { formatVariableList } from './variable-list.js';

/** What `capi generate cluster NAME` takes; the CLI maps flags one to one. */
export interface GenerateClusterOptions {
  /** The cluster name, CLUSTER_NAME in templates; must be a DNS-1123 subdomain. */
  readonly name: string;
  /** A built-in template (`--flavor`); the default flavor when neither this nor `from` is given. */
  readonly flavor?: string;
  /** A template the caller read (`--from FILE`, or stdin for `-`); excludes `flavor`. */
  readonly from?: TemplateSource;
  /** `--kubernetes-version`; without it KUBERNETES_VERSION comes from the environment, then the template default. */
  readonly kubernetesVersion?: string;
  /** `--control-plane-machine-count`; without it CONTROL_PLANE_MACHINE_COUNT from the environment, else 1. */
  readonly controlPlaneMachineCount?: number;
  /** `--worker-machine-count`; without it WORKER_MACHINE_COUNT from the environment, else 0. */
  readonly workerMachineCount?: number;
  /** `-n/--target-namespace`, else the kubeconfig context's namespace; `default` when the caller has neither. */
  readonly targetNamespace?: string;
  /** Where every other variable comes from: `process.env`. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface GeneratedCluster {
  /** The rendered template, one YAML stream ending in a newline. */
  readonly yaml: string;
}

/**
 * Renders a workload cluster template the way `clusterctl generate cluster` does. Throws
 * {@link InvalidTemplateOptionError}, `UnknownFlavorError`, `MissingVariablesError` (every missing variable at
 * once), `TemplateSyntaxError` or `InvalidTemplateYamlError`.
 */
export function generateCluster(options: GenerateClusterOptions): GeneratedCluster {
  const { template, values, namespace } = resolve(options);
  const lookup: VariableLookup = (name) => (values.has(name) ? values.get(name) : options.env[name]);
  return { yaml: renderTemplate(template, lookup, { targetNamespace: namespace }) };
}

export interface ClusterVariableList {
  /** Every variable of the template; defaults show the value that would be used for the flag-backed ones. */
  readonly variables: readonly TemplateVariable[];
  /** {@link formatVariableList} of `variables`: what `--list-variables` prints. */
  readonly text: string;
}

/**
 * `capi generate cluster NAME --list-variables`. The options are validated as for {@link generateCluster}, as
 * clusterctl does; the defaults shown for CLUSTER_NAME, NAMESPACE, KUBERNETES_VERSION and the machine counts are the
 * values generation would use (flag, then environment, then built-in default), the other defaults are the template's.
 */
export function listClusterVariables(options: GenerateClusterOptions): ClusterVariableList {
  const { template, values } = resolve(options);
  const variables = EnvsubstTemplate.parse(template.text, template.source).variables.map(
    (v): TemplateVariable => {
      const injected =
        values.get(v.name) ?? (v.name === 'KUBERNETES_VERSION' ? options.env[v.name] : undefined);
      return injected === undefined ? v : { name: v.name, default: injected };
    },
  );
  return { variables, text: formatVariableList(variables) };
}

/** The template to render and the values clusterctl injects from flags, all validated. */
function resolve(options: GenerateClusterOptions): {
  template: TemplateSource;
  values: Map<string, string>;
  namespace: string;
} {
  if (options.from && options.flavor !== undefined) {
    throw new UsageError(
      '--from and --flavor cannot be used together: only one template can be used at a time',
    );
  }
  const template: TemplateSource = options.from ?? flavorSource(options.flavor ?? DEFAULT_FLAVOR);

  const namespace = options.targetNamespace ?? 'default';
  const namespaceErrors = isDNS1123Label(namespace);
  if (namespaceErrors.length > 0) {
    throw new InvalidTemplateOptionError(
      'NAMESPACE',
      namespace,
      `invalid target namespace "${namespace}": ${namespaceErrors.join('; ')}`,
    );
  }
  const nameErrors = isDNS1123Subdomain(options.name);
  if (nameErrors.length > 0) {
    throw new InvalidTemplateOptionError(
      'CLUSTER_NAME',
      options.name,
      `invalid cluster name "${options.name}": ${nameErrors.join('; ')}`,
    );
  }

  // Flag values replace environment variables of the same name, as clusterctl's config client does: NAMESPACE and
  // CLUSTER_NAME always, the others only when their flag is given.
  const values = new Map<string, string>([
    ['NAMESPACE', namespace],
    ['CLUSTER_NAME', options.name],
  ]);
  if (options.kubernetesVersion !== undefined) {
    if (!semver.valid(options.kubernetesVersion)) {
      throw new InvalidTemplateOptionError(
        'KUBERNETES_VERSION',
        options.kubernetesVersion,
        `invalid Kubernetes version "${options.kubernetesVersion}": use a semantic version such as v1.34.0`,
      );
    }
    values.set('KUBERNETES_VERSION', options.kubernetesVersion);
  }
  values.set(
    'CONTROL_PLANE_MACHINE_COUNT',
    String(machineCount('CONTROL_PLANE_MACHINE_COUNT', options.controlPlaneMachineCount, options.env, 1)),
  );
  values.set(
    'WORKER_MACHINE_COUNT',
    String(machineCount('WORKER_MACHINE_COUNT', options.workerMachineCount, options.env, 0)),
  );
  return { template, values, namespace };
}

function flavorSource(name: string): TemplateSource {
  return { text: findFlavor(name).template, source: `flavor "${name}"` };
}

/** Flag, else environment variable (an integer, as Go's ParseInt reads it), else the default; at least 1 / 0. */
function machineCount(
  variable: 'CONTROL_PLANE_MACHINE_COUNT' | 'WORKER_MACHINE_COUNT',
  flag: number | undefined,
  env: Readonly<Record<string, string | undefined>>,
  fallback: number,
): number {
  let count = flag;
  if (count === undefined) {
    const raw = env[variable];
    if (raw === undefined) count = fallback;
    else if (/^[+-]?\d+$/.test(raw)) count = Number(raw);
    else
      throw new InvalidTemplateOptionError(
        variable,
        raw,
        `invalid value "${raw}" for ${variable}: not an integer`,
      );
  }
  const minimum = fallback;
  if (!Number.isSafeInteger(count) || count < minimum) {
    const what =
      variable === 'CONTROL_PLANE_MACHINE_COUNT' ? 'control plane machine count' : 'worker machine count';
    throw new InvalidTemplateOptionError(
      variable,
      String(count),
      `invalid ${what} ${count}: use a whole number greater than or equal to ${minimum}`,
    );
  }
  return count;
}
