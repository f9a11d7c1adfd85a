import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DEFAULT_FLAVOR, flavors } from '../../clusterctl/generate/flavors.js';
import { generateCluster, listClusterVariables } from '../../clusterctl/generate/generate-cluster.js';
import { generateYaml, listYamlVariables } from '../../clusterctl/generate/generate-yaml.js';
import type { TemplateSource } from '../../clusterctl/generate/render-template.js';
import { findManagementPlane } from '../../clusterctl/management-plane.js';
import type { CliIo } from '../cli-io.js';

interface GenerateClusterFlags {
  flavor?: string;
  from?: string;
  kubernetesVersion?: string;
  controlPlaneMachineCount?: number;
  workerMachineCount?: number;
  targetNamespace?: string;
  listVariables?: boolean;
  writeTo?: string;
  kubeconfig?: string;
}

const flavorWidth = Math.max(...flavors.map((f) => f.name.length));

/**
 * The built-in flavors for `generate cluster --help`. The in-memory flavor's ClusterClass and templates are shared
 * by the clusters of a namespace, so a second cluster must be applied, not created.
 */
const flavorHelp = [
  '',
  'Flavors (clusters on the in-memory infrastructure provider):',
  ...flavors.map((f) => `  ${f.name.padEnd(flavorWidth)}  ${f.description}`),
  '',
  'The ClusterClass in-memory and its templates are shared by the clusters of a namespace: add more clusters',
  'with kubectl apply (it leaves the shared objects unchanged), not kubectl create.',
].join('\n');

/** `capi generate cluster NAME` and `capi generate yaml` (clusterctl's template rendering). */
export function addGenerateCommands(program: Command, io: CliIo): void {
  const generate = program
    .command('generate')
    .description('render workload cluster templates (clusterctl generate)');
  generate
    .command('cluster')
    .description('print the YAML of a workload cluster, ready for kubectl apply -f -')
    .argument('<name>', 'name of the Cluster (CLUSTER_NAME)')
    .option(
      '-f, --flavor <flavor>',
      `built-in template: ${flavors.map((f) => f.name).join(', ')} (default ${DEFAULT_FLAVOR}; see Flavors below)`,
    )
    .option('--from <file>', 'a template file instead of a flavor (- reads stdin)')
    .option('--kubernetes-version <version>', 'KUBERNETES_VERSION, e.g. v1.34.0')
    .option('--control-plane-machine-count <n>', 'CONTROL_PLANE_MACHINE_COUNT (default 1)', parseCount)
    .option('--worker-machine-count <n>', 'WORKER_MACHINE_COUNT (default 0)', parseCount)
    .option('-n, --target-namespace <namespace>', "NAMESPACE (default: the kubeconfig context's, or default)")
    .option(
      '--list-variables',
      'list the variables the template uses, with their defaults, instead of rendering',
    )
    .option('--write-to <file>', 'write the YAML to a file instead of stdout')
    .option('--kubeconfig <file>', 'kubeconfig whose context namespace is the default target namespace')
    .addHelpText('after', flavorHelp)
    .action(async (name: string, flags: GenerateClusterFlags) => {
      const env = io.env ?? process.env;
      const options = {
        name,
        env,
        ...(flags.flavor !== undefined ? { flavor: flags.flavor } : {}),
        ...(flags.from !== undefined ? { from: await readTemplate(io, flags.from) } : {}),
        ...(flags.kubernetesVersion !== undefined ? { kubernetesVersion: flags.kubernetesVersion } : {}),
        ...(flags.controlPlaneMachineCount !== undefined
          ? { controlPlaneMachineCount: flags.controlPlaneMachineCount }
          : {}),
        ...(flags.workerMachineCount !== undefined ? { workerMachineCount: flags.workerMachineCount } : {}),
        targetNamespace: flags.targetNamespace ?? contextNamespace(env, flags.kubeconfig),
      };
      if (flags.listVariables) {
        io.stdout(listClusterVariables(options).text);
        return;
      }
      await emit(io, generateCluster(options).yaml, flags.writeTo);
    });

  generate
    .command('yaml')
    .description('substitute ${VARIABLES} in any YAML from the environment (clusterctl generate yaml)')
    .option('--from <file>', 'the template (- reads stdin)', '-')
    .option('--list-variables', 'list the variables the template uses instead of rendering')
    .option('--write-to <file>', 'write the YAML to a file instead of stdout')
    .action(async (flags: { from: string; listVariables?: boolean; writeTo?: string }) => {
      const from = await readTemplate(io, flags.from);
      if (flags.listVariables) {
        io.stdout(listYamlVariables({ from }).text);
        return;
      }
      await emit(io, generateYaml({ from, env: io.env ?? process.env }).yaml, flags.writeTo);
    });
}

async function readTemplate(io: CliIo, file: string): Promise<TemplateSource> {
  if (file === '-') {
    if (!io.readStdin) throw new InvalidArgumentError('no standard input to read the template from');
    return { text: await io.readStdin(), source: 'stdin' };
  }
  return { text: await readFile(file, 'utf8'), source: path.resolve(file) };
}

async function emit(io: CliIo, yaml: string, writeTo: string | undefined): Promise<void> {
  if (writeTo) await writeFile(writeTo, yaml);
  else io.stdout(yaml);
}

/** clusterctl's default target namespace: the current kubeconfig context's; `default` without a kubeconfig. */
function contextNamespace(env: NodeJS.ProcessEnv, kubeconfig: string | undefined): string {
  try {
    return findManagementPlane({ env, ...(kubeconfig ? { kubeconfig } : {}) }).config.namespace;
  } catch {
    return 'default';
  }
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('use a whole number (0 or more).');
  }
  return n;
}
