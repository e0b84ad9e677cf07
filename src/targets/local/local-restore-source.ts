import { InfrastructureError, UsageError } from '../../errors.ts';
import type { TeardownStack } from '../../lifecycle/teardown-stack.ts';
import type { RestoreSource, ScratchRestore } from '../restore-source.ts';
import type { RecoveryTarget } from '../target.ts';
import { dockerClient } from './docker-engine.ts';
import { execIn } from './docker-exec.ts';
import { removeRunResources } from './run-resources.ts';
import { readRunRecord } from './run-state.ts';
import { startScratchRestore } from './scratch-restore.ts';
import { STANZA } from './stack-layout.ts';

/**
 * The pgBackRest repository of a local stack (one brought up with `pgdrill
 * up`, or a run kept with --keep), found by its run id. The scratch joins
 * that stack's network to reach the repository host over TLS, is labelled
 * with the restore test's own run id, and restores with pgBackRest restore
 * and archive-get only.
 */
export function localRestoreSource(sourceRunId: string, testRunId: string, stanza = STANZA): RestoreSource {
  if (stanza !== STANZA) throw new UsageError(`the local stacks' stanza is "${STANZA}" (got "${stanza}")`);
  const record = readRunRecord(sourceRunId);
  const docker = dockerClient();
  const repo = docker.getContainer(`pgdrill-${sourceRunId}-repo`);
  return {
    description: `the pgBackRest repository of local run ${sourceRunId} (stanza ${STANZA}, repository host "repo" on network ${record.network})`,
    async versions() {
      const version = await execIn(repo, ['pgbackrest', 'version'], { check: false, timeoutMs: 10_000 });
      return { pgbackrest: version.stdout.trim(), image: record.image, source: `local run ${sourceRunId}` };
    },
    async restore(target: RecoveryTarget, name: string, teardowns: TeardownStack): Promise<ScratchRestore> {
      const state = await repo.inspect().catch(() => null);
      if (!state?.State.Running) throw new InfrastructureError(`the repository host of run ${sourceRunId} is not running (container pgdrill-${sourceRunId}-repo)`);
      teardowns.defer(`remove the restore test's scratch (${testRunId})`, async () => {
        await removeRunResources(docker, testRunId);
      });
      const scratch = await startScratchRestore(
        docker,
        {
          labelRunId: testRunId,
          layout: { runId: sourceRunId, networkName: record.network, subnet: record.subnet, tlsVolume: `pgdrill-${sourceRunId}-tls`, repo: { role: 'repo', name: 'repo', containerName: `pgdrill-${sourceRunId}-repo`, ip: '' } },
          image: record.image,
          hostOctet: 60 + Math.floor(Math.random() * 30),
        },
        target,
        name,
      );
      return {
        reached: scratch.reached,
        async query(database, sql) {
          const result = await scratch.psql(database, sql);
          if (result.code !== 0) throw new InfrastructureError(result.stderr.trim().split('\n').at(-1) ?? `psql exited with ${result.code}`);
          return result.stdout.split('\n').filter((line) => line.length > 0).map((line) => line.split('|'));
        },
        async amcheck() {
          const result = await scratch.amcheck();
          return { exitCode: result.code, lines: [...result.stdout.split('\n'), ...result.stderr.split('\n')].filter((l) => l.trim().length > 0) };
        },
      };
    },
  };
}
