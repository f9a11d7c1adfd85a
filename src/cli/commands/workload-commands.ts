import { type Command, InvalidArgumentError } from 'commander';
import { deleteCluster } from '../../clusterctl/delete-cluster.js';
import { getClusters } from '../../clusterctl/get-clusters.js';
import { getKubeconfig } from '../../clusterctl/get-kubeconfig.js';
import { rollout, type RolloutAction } from '../../clusterctl/rollout.js';
import {
  type CliIo,
  colorFor,
  type ConnectionFlags,
  withConnectionOptions,
  withManagementPlane,
} from '../cli-io.js';

/** `capi get kubeconfig`, `capi delete cluster`, `capi rollout restart|pause|resume`. */
export function addWorkloadCommands(program: Command, io: CliIo): void {
  const get = program.command('get').description('get information about workload clusters');
  withConnectionOptions(
    get
      .command('kubeconfig')
      .description("print a workload cluster's admin kubeconfig (from the <cluster>-kubeconfig Secret)")
      .argument('<cluster>', 'name of the Cluster'),
  ).action(async (name: string, flags: ConnectionFlags) => {
    io.stdout(
      await withManagementPlane(io, flags, (plane, namespace) =>
        getKubeconfig(plane.client, { namespace, name }),
      ),
    );
  });

  withConnectionOptions(
    get
      .command('clusters')
      .description(
        'list workload clusters: available, control plane and workers available/desired, phase, age',
      )
      .option('-A, --all-namespaces', 'clusters of every namespace')
      .option('--no-color', 'never colour the output'),
  ).action(async (flags: ConnectionFlags & { allNamespaces?: boolean; color?: boolean }) => {
    io.stdout(
      await withManagementPlane(io, flags, (plane, namespace) =>
        getClusters(plane.client, {
          ...(flags.allNamespaces ? {} : { namespace }),
          color: colorFor(io, flags.color === false ? false : undefined),
        }),
      ),
    );
  });

  const del = program.command('delete').description('delete workload clusters');
  withConnectionOptions(
    del
      .command('cluster')
      .description(
        'delete a workload cluster; its controllers remove workers, control plane and infrastructure',
      )
      .argument('<cluster>', 'name of the Cluster')
      .option('--wait', 'wait until the Cluster and everything it owned are gone, showing what is left')
      .option('--timeout <duration>', 'how long --wait waits (e.g. 90s, 10m)', parseDuration, 10 * 60_000),
  ).action(async (name: string, flags: ConnectionFlags & { wait?: boolean; timeout: number }) => {
    await withManagementPlane(io, flags, async (plane, namespace) => {
      const result = await deleteCluster(plane.client, {
        namespace,
        name,
        wait: flags.wait === true,
        timeoutMs: flags.timeout,
        onProgress: (line) => io.stderr(line + '\n'),
        ...(io.signal ? { signal: io.signal } : {}),
      });
      io.stdout(
        result.waited
          ? `cluster ${namespace}/${name} deleted: nothing left (${(result.elapsedMs / 1000).toFixed(1)}s)\n`
          : `cluster ${namespace}/${name} deletion started (capi delete cluster ${name} --wait follows it)\n`,
      );
    });
  });

  const roll = program
    .command('rollout')
    .description('manage rollouts of MachineDeployments and KubeadmControlPlanes (clusterctl alpha rollout)');
  const actions: [RolloutAction, string][] = [
    ['restart', 'replace every Machine now, with the rollout strategy (sets spec.rollout.after)'],
    [
      'pause',
      'stop reconciling changes (MachineDeployment spec.paused, KubeadmControlPlane paused annotation)',
    ],
    ['resume', 'resume a paused resource'],
  ];
  for (const [action, description] of actions) {
    withConnectionOptions(
      roll
        .command(action)
        .description(description)
        .argument('<resource>', 'machinedeployment/NAME or kubeadmcontrolplane/NAME'),
    ).action(async (resource: string, flags: ConnectionFlags) => {
      const line = await withManagementPlane(io, flags, (plane, namespace) =>
        rollout(plane.client, { action, resource, namespace }),
      );
      io.stdout(line + '\n');
    });
  }
}

/** `90s`, `10m`, `1h`, or plain seconds. */
export function parseDuration(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('use a duration such as 90s, 10m or 1h.');
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h']);
}
