import { Command, CommanderError, Option } from 'commander';
import { EXIT, PgdrillError } from '../errors.ts';
import { allTargetFlags, TARGET_KINDS } from '../targets/registry.ts';
import { PGDRILL_VERSION } from '../version.ts';
import { cleanupCommand, downCommand } from './commands/down.ts';
import { certifyCommand, type CertifyFlags } from './commands/certify.ts';
import { compareCommand, type CompareFlags } from './commands/compare.ts';
import { restoreTestCommand, type RestoreTestFlags } from './commands/restore-test.ts';
import { doctorCommand } from './commands/doctor.ts';
import { statusCommand } from './commands/status.ts';
import { listCommand, runCommand, type RunFlags } from './commands/run.ts';
import { upCommand } from './commands/up.ts';
import type { StackFlags } from './local-options.ts';

/** Adds the options that shape a stack (shared by `up` and `run`). */
export function addStackOptions(command: Command): Command {
  return command
    .addOption(targetOption())
    .option('--zones <list>', 'comma-separated zone names, one instance and one etcd member each (default a,b,c)')
    .option('--sync <mode>', 'synchronous replication: off, on, strict or quorum (quorum: debian13 only; default on)')
    .option('--sync-standbys <n>', 'synchronous standbys a commit waits for (default 1)')
    .option('--ttl <seconds>', 'Patroni leader ttl (default 10)')
    .option('--loop-wait <seconds>', 'Patroni loop_wait (default 2)')
    .option('--retry-timeout <seconds>', 'Patroni retry_timeout (default 4)')
    .option('--port <port>', 'client endpoint port on 127.0.0.1, 0 for any free one (default 15432)')
    .option('--subnet <cidr>', 'the run network, a /24 inside 198.18.0.0/15 (default: first free)')
    .option('--run-id <id>', 'name the run instead of a random id')
    .option('--stack <generation>', 'stack generation: debian12 (PostgreSQL 15, Patroni 3.0; default) or debian13 (PostgreSQL 17, Patroni 4.0)')
    .option('--etcd-api <version>', "etcd API Patroni uses: v2 (default) or v3 (Patroni 3.0.2's etcd3 module can take the leader key back: see README)")
    .option('--config <file>', 'JSON file with zones, synchronous, syncStandbys, patroni {ttl, loopWait, retryTimeout}, port, subnet, etcdApi, stack');
}

function targetOption(): Option {
  return new Option('--target <target>', `where the stack runs: ${TARGET_KINDS.join(', ')}`).default('local');
}

/** Every target kind's own flags; the chosen target refuses another kind's (src/targets/registry.ts). */
function addTargetFlags(command: Command): Command {
  for (const flag of allTargetFlags()) command.option(flag.flags, flag.description);
  return command;
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('pgdrill')
    .description('Chaos and verification harness for PostgreSQL high availability and point-in-time recovery')
    .version(PGDRILL_VERSION)
    .showSuggestionAfterError(true)
    // One line per error: a suggestion ("Did you mean up?") joins the message.
    .configureOutput({ outputError: (text, write) => write(`pgdrill: ${text.trim().replace(/\n+/g, ' ')}\n`) })
    .exitOverride();

  addStackOptions(program.command('up').description('bring up a local HA stack and leave it running; print its endpoints')).action(
    async (flags: StackFlags) => setExit(await upCommand(flags)),
  );
  program
    .command('run')
    .description('run drills: scenario files, names of shipped scenarios (see "pgdrill list") or folders; several make a suite')
    .argument('<scenarios...>', 'scenario files (.ts), names or folders, run in order')
    .addOption(targetOption())
    .option('--report-dir <dir>', 'where reports go (a folder per run inside it)', 'reports')
    .option('--keep', 'keep the stack running after the drill (faults are still healed)')
    .option('--repeat <n>', "run each scenario n times (a suite; its report gives each metric's min, median and max)")
    .option('--pushgateway <url>', 'push each run\'s metrics to this Prometheus Pushgateway')
    .option('--textfile-dir <dir>', "write each run's metrics to <dir>/pgdrill-<scenario>-<target>.prom for node_exporter's textfile collector (the newest run replaces the older)")
    .action(async (scenarios: string[], flags: RunFlags) => setExit(await runCommand(scenarios, flags)));
  addTargetFlags(program.commands.find((c) => c.name() === 'run')!);
  program
    .command('compare')
    .description('compare two runs or suites (A the baseline, B the candidate) metric by metric; exit 1 on a regression')
    .argument('<a>', 'run or suite report folder (baseline)')
    .argument('<b>', 'run or suite report folder (candidate)')
    .option('--tolerance <metric=value>', 'allowed worsening of a metric: a number in its unit, or N% of A; repeat per metric', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--json', 'print JSON instead of Markdown')
    .option('--strict', 'exit 2 when A and B are the same run of a scenario (otherwise a warning)')
    .action(async (a: string, b: string, flags: CompareFlags) => setExit(await compareCommand(a, b, flags)));
  const certifyCommandLine = program
    .command('certify')
    .description('certify a candidate against a baseline: each a generation of the target (the scenarios run on it) or a finished report folder; exit 1 when something regressed or broke')
    .argument('[scenarios...]', 'scenarios to run on a side given as a generation')
    .addOption(targetOption())
    .requiredOption('--baseline <generation|dir>', 'local: debian12 or debian13; kind, kubernetes: cnpg-<operator version>[+<PostgreSQL image>]; or a report folder')
    .requiredOption('--candidate <generation|dir>', 'as --baseline')
    .option('--repeat <n>', 'runs of each scenario on each side (default 1)')
    .option('--tolerance <metric=value>', 'allowed worsening of a metric: a number in its unit, or N% of the baseline; repeat per metric', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--report-dir <dir>', 'where reports go (a certify-<id> folder inside it)', 'reports')
    .action(async (scenarios: string[], flags: CertifyFlags) => setExit(await certifyCommand(scenarios, flags)));
  // The target's own flags (--namespace, --allow-destructive, ...) reach each side's run.
  addTargetFlags(certifyCommandLine);
  program
    .command('restore-test')
    .description("restore an existing repository's latest backup (or a time) into a scratch instance, check it, report; read-only for the source")
    .requiredOption('--config <file>', 'JSON: {"source": {"run": "<run id>"} or {"kubernetes": {"cluster", "namespace", "context"?}}, "target": "latest" | ISO time, "assertions": "file.json", "thresholds": [...]}')
    .option('--report-dir <dir>', 'where the report goes (a folder inside it)', 'reports')
    .action(async (flags: RestoreTestFlags) => setExit(await restoreTestCommand(flags)));
  program
    .command('list')
    .description('list the shipped scenarios')
    .action(async () => setExit(await listCommand()));
  program
    .command('status')
    .description('each instance: zone, role, state, timeline, lag; the WAL archiver')
    .option('--run <id>', 'which run (default: the only one up)')
    .option('--json', 'print JSON')
    .action(async (flags: { run?: string; json?: boolean }) => setExit(await statusCommand(flags)));
  program
    .command('down')
    .description('remove everything of one run')
    .option('--run <id>', 'which run (default: the only one up)')
    .action(async (flags: { run?: string }) => setExit(await downCommand(flags)));
  addTargetFlags(
    program
      .command('cleanup')
      .description('remove what runs killed before their teardown left behind (local: everything labelled pgdrill.run)')
      .addOption(targetOption())
      .option('--run <id>', 'only this run (kind and kubernetes: required)'),
  ).action(async (flags: { run?: string; target?: string }) => setExit(await cleanupCommand(flags)));
  program
    .command('doctor')
    .description('list each prerequisite and its state')
    .action(async () => setExit(await doctorCommand()));
  for (const command of program.commands) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs the CLI; returns the exit code (docs/design.md "Verdicts and exit codes"). */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.pass;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Commander already printed its one line; help and version are not errors.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
    return EXIT.usage;
  }
  if (error instanceof PgdrillError) {
    process.stderr.write(`pgdrill: ${error.message}\n`);
    if (process.env.PGDRILL_DEBUG) process.stderr.write(`${error.stack}\n${formatCause(error.cause)}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`pgdrill: unexpected error: ${message}\n`);
  if (process.env.PGDRILL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return EXIT.infrastructure;
}

function formatCause(cause: unknown): string {
  if (cause === undefined) return '';
  return `caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`;
}
