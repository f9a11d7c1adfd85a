import type { Command } from 'commander';
import { KubeClient } from '../../controller-runtime/client/kube-client.js';
import { moveClusters, moveFromDirectory, moveToDirectory } from '../../clusterctl/move/index.js';
import type { MoveProgress } from '../../clusterctl/move/index.js';
import { UsageError } from '../../clusterctl/errors.js';
import { type CliIo, type ConnectionFlags, withConnectionOptions, withManagementPlane } from '../cli-io.js';
import { parseDuration } from './workload-commands.js';

interface MoveFlags extends ConnectionFlags {
  toKubeconfig?: string;
  toKubeconfigContext?: string;
  toDirectory?: string;
  fromDirectory?: string;
  dryRun?: boolean;
  blockMoveTimeout: number;
}

/**
 * `capi move`: to another management plane (`--to-kubeconfig`), to a backup directory (`--to-directory`), or from
 * one into this management plane (`--from-directory`). Re-running an interrupted move finishes it.
 */
export function addMoveCommand(program: Command, io: CliIo): void {
  withConnectionOptions(
    program
      .command('move')
      .description(
        'move workload clusters (and everything they own) to another management plane; re-run to finish an interrupted move',
      )
      .option('--to-kubeconfig <file>', 'kubeconfig of the target management plane')
      .option('--to-kubeconfig-context <name>', 'context of --to-kubeconfig to use')
      .option(
        '--to-directory <dir>',
        'write the clusters to a directory instead (a backup; the source keeps them)',
      )
      .option(
        '--from-directory <dir>',
        'create the clusters of a --to-directory backup in this management plane',
      )
      .option('--dry-run', 'show what would move without writing anything')
      .option(
        '--block-move-timeout <duration>',
        'how long to wait for clusterctl.cluster.x-k8s.io/block-move annotations to go',
        parseDuration,
        5 * 60_000,
      ),
  ).action(async (flags: MoveFlags, command: Command) => {
    const verbose = command.optsWithGlobals<{ verbose?: boolean }>().verbose === true;
    const targets = [flags.toKubeconfig, flags.toDirectory, flags.fromDirectory].filter(Boolean).length;
    if (targets !== 1) {
      throw new UsageError('give exactly one of --to-kubeconfig, --to-directory or --from-directory');
    }
    const hooks = {
      // Each object handled is a line only with --verbose; phases always are.
      onProgress: (event: MoveProgress) => {
        if (verbose || !event.perObject) io.stderr(`${event.phase}: ${event.message}\n`);
      },
      ...(io.signal ? { signal: io.signal } : {}),
    };
    const wait = { blockMoveTimeoutMs: flags.blockMoveTimeout };
    await withManagementPlane(io, flags, async (plane, namespace) => {
      const ns = flags.namespace ? { namespace } : {};
      if (flags.fromDirectory) {
        const result = await moveFromDirectory({
          to: plane.client,
          directory: flags.fromDirectory,
          ...ns,
          ...hooks,
        });
        io.stdout(
          `restored ${result.clusters.length} cluster(s) from ${flags.fromDirectory}: ${result.created} objects created, ${result.reused} already there\n`,
        );
        return;
      }
      if (flags.toDirectory) {
        const result = await moveToDirectory({
          from: plane.client,
          directory: flags.toDirectory,
          ...ns,
          ...hooks,
          ...wait,
        });
        io.stdout(
          `wrote ${result.clusters.length} cluster(s), ${result.files.length} objects, to ${flags.toDirectory}\n`,
        );
        return;
      }
      const to = KubeClient.fromKubeconfig({
        kubeconfigPath: flags.toKubeconfig!,
        ...(flags.toKubeconfigContext ? { context: flags.toKubeconfigContext } : {}),
        fieldManager: 'capi',
      });
      try {
        const result = await moveClusters({
          from: plane.client,
          to,
          ...ns,
          ...hooks,
          ...wait,
          ...(flags.dryRun ? { dryRun: true } : {}),
        });
        const names = result.clusters.map((c) => `${c.namespace}/${c.name}`).join(', ') || 'none';
        io.stdout(
          result.dryRun
            ? `would move ${result.clusters.length} cluster(s) (${names}), ${result.objects.length} objects:\n${result.objects.map((o) => `  ${o}\n`).join('')}`
            : `moved ${result.clusters.length} cluster(s) (${names}): ${result.created} objects created, ${result.reused} reused, ${result.deleted} deleted from the source\n`,
        );
      } finally {
        to.close();
      }
    });
  });
}
