import { readFileSync } from 'node:fs';
import type { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { EtlError, ExitCode, UsageError, environmentError, errorMessage } from '../core/errors.js';
import { collect, messageRoot, type GlobalFlags } from './global-options.js';
import { EXAMPLES } from './help-examples.js';
import { DEFAULT_RETRY } from '../core/execute/retry.js';

/** What a command's action resolves to: the process exit code. */
type Action = (flags: Record<string, unknown> & GlobalFlags) => Promise<number>;

/** etl's own version, from package.json (cheap: every start-up reads it). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** `etl 0.1.0 (duckdb v1.5.6)`: the DuckDB version from its driver's package, not loaded. */
async function fullVersion(): Promise<string> {
  const { duckdbVersion } = await import('../core/engine/duckdb-version.js');
  return `etl ${version()} (duckdb ${duckdbVersion()})`;
}

/** Adds the `Examples:` section of {@link EXAMPLES} to a command and its subcommands. */
function addExamples(command: Command): void {
  const examples = EXAMPLES[command.name()];
  if (examples !== undefined)
    command.addHelpText(
      'after',
      `\nExamples:\n${examples.map(([line, what]) => `  # ${what}\n  $ ${line}`).join('\n\n')}`,
    );
  for (const sub of command.commands) addExamples(sub);
}

/** Runs a command: loads its action (only then is the command's module imported). */
type Runner = (action: () => Promise<Action>, cmd: Command) => Promise<void>;

/** Build the commander program; commands are imported only when they run. */
function createProgram(run: Runner): Command {
  const program = rootCommand();
  // Every command's help lists the global options too; commands inherit this when added.
  program.configureHelp({ showGlobalOptions: true });
  // --version also names DuckDB's, read only when asked (see main()): commander's listener,
  // which prints a string fixed at start-up, gives way to one that main() answers. A Command
  // is an EventEmitter, though commander's types show only `on`.
  (program as unknown as EventEmitter).removeAllListeners('option:version');
  program.on('option:version', () => {
    throw new CommanderError(ExitCode.ok, 'commander.version', '');
  });
  addInit(program, run);
  addCompile(program, run);
  addDag(program, run);
  addDocs(program, run);
  addPlan(program, run);
  addSeed(program, run);
  addBuild(program, run);
  addBackfill(program, run);
  addRun(program, run);
  addTest(program, run);
  addVerify(program, run);
  addStatus(program, run);
  addSource(program, run);
  addExamples(program);
  return program;
}

/** `etl` and its global options; commands added later inherit its error handling. */
function rootCommand(): Command {
  const program = new Command('etl')
    .description('Batch ETL inside a SQL warehouse: SQL models, windowed idempotent writes.')
    .version(version(), '-V, --version')
    .option(
      '--project-dir <dir>',
      'project directory (env ETL_PROJECT_DIR; default: the nearest folder upward with etl.yml or dbt_project.yml)',
    )
    .option('--project <dir>', 'the same as --project-dir')
    .option(
      '--target <name|url>',
      "warehouse: a name of etl.yml's targets, duckdb:PATH, duckdb::memory:, duckdb:md:DB or postgres://… (env ETL_TARGET)",
    )
    .option('--json', 'print one JSON object on stdout')
    .option('--quiet', 'print only errors')
    .option('--verbose', 'print more detail')
    .option('--vars <yaml>', 'values for var(), a YAML mapping: {country: NL, days: 7}')
    .showSuggestionAfterError(true)
    .exitOverride();
  // Commander's own errors are reported by main() in etl's format.
  program.configureOutput({ outputError: () => undefined });
  return program;
}

/** The selection options of commands that act on models. */
function withSelect(c: Command): Command {
  return c
    .option(
      '-s, --select <selectors...>',
      'dbt selectors: name, +name, name+1, @name, tag:x, path:dir, config.k:v, source:s+, state:modified (space: union, comma: intersection)',
      collect,
    )
    .option('--exclude <selectors...>', 'models to leave out (same syntax)', collect);
}

/** The options of commands that write to the warehouse: selection, then how they run. */
function withWriter(c: Command): Command {
  return withSelect(c)
    .option('--threads <n>', 'windows written at once, one connection each (default: 4)')
    .option('--retries <n>', `retries of transient errors (default: ${DEFAULT_RETRY.retries})`)
    .option('--fail-fast', 'stop at the first failure')
    .option('--no-test', "skip the models' data tests")
    .option(
      '--wait [seconds]',
      'wait for another etl process to release the warehouse (default 3 s; bare --wait: an hour)',
    )
    .option(
      '--forward-only',
      'accept a changed definition for windows already built; only new windows use it',
    );
}

/** `etl init [dir]` */
function addInit(program: Command, run: Runner): void {
  program
    .command('init')
    .description('write a starter project')
    .argument('[dir]', 'where (default: the current directory)')
    .action(async (dir: string | undefined, _o, cmd: Command) => {
      if (dir !== undefined) cmd.setOptionValue('dir', dir);
      await run(async () => (await import('./commands/init.js')).initCommand, cmd);
    });
}

/** `etl compile` */
function addCompile(program: Command, run: Runner): void {
  withSelect(program.command('compile').description('render models and print formatted SQL'))
    .option('--date <date>', 'the window templates see (default: yesterday)')
    .option('--out <dir>', 'write one .sql file per model under DIR')
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/compile.js')).compileCommand, cmd),
    );
}

/** `etl dag` */
function addDag(program: Command, run: Runner): void {
  withSelect(program.command('dag').description('print the dependency graph'))
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['text', 'mermaid', 'dot', 'json'])
        .default('text'),
    )
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/dag.js')).dagCommand, cmd),
    );
}

/** `etl docs` */
function addDocs(program: Command, run: Runner): void {
  program
    .command('docs')
    .description(
      'write a static site: the lineage, a page per model, grids of windows, the last runs',
    )
    .option('--out <dir>', 'folder to write it in (default: .etl/docs in the project)')
    .option('--date <date>', 'show compiled SQL for this day (default: yesterday)')
    .option(
      '--serve',
      'serve the site on a local port, rebuild it when a project file changes (the page reloads itself)',
    )
    .option('--port <n>', 'with --serve: the port, 0 for any free one (default: 8580)')
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/docs.js')).docsCommand, cmd),
    );
}

/** `etl plan` */
function addPlan(program: Command, run: Runner): void {
  withSelect(
    program.command('plan').description('show what build, backfill or run would do; runs nothing'),
  )
    .option('--date <date>', 'plan build for this day (default: yesterday)')
    .option('--from <date>', 'plan a backfill from this day (with --to)')
    .option('--to <date>', 'plan a backfill to this day, inclusive')
    .option('--until <date>', 'plan run (catch-up) to this day')
    .option('--force', 'backfill: rebuild windows already done')
    .option('--batch-size <n>', 'backfill: windows merged into one transaction')
    .option('--full-refresh', 'plan a full refresh of incremental models')
    .option('--forward-only', 'plan accepting a changed definition for windows already built')
    .option('--sql', "print each step's statements, in order, as SQL")
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/plan.js')).planCommand, cmd),
    );
}

/** `etl seed` */
function addSeed(program: Command, run: Runner): void {
  withWriter(
    program
      .command('seed')
      .description('(re)load seeds whose file changed or whose table is missing'),
  )
    .option('--force', 'reload every selected seed')
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/seed.js')).seedCommand, cmd),
    );
}

/** `etl build` */
function addBuild(program: Command, run: Runner): void {
  withWriter(program.command('build').description('build the selected models for a date'))
    .option(
      '--date <date>',
      'the day to build: YYYY-MM-DD, today, yesterday (default: yesterday, UTC)',
    )
    .option(
      '--full-refresh',
      'rebuild incremental tables and every window from their start, aside, then swap them in',
    )
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/build.js')).buildCommand, cmd),
    );
}

/** `etl backfill` */
function addBackfill(program: Command, run: Runner): void {
  withWriter(
    program.command('backfill').description('build every missing or stale window in a range'),
  )
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, inclusive')
    .option(
      '--batch-size <n>',
      "merge up to N consecutive windows into one transaction (default: each model's batch_size, else adaptive)",
    )
    .option('--force', 'rebuild windows already done under the current fingerprint')
    .option(
      '--full-refresh',
      'rebuild incremental tables and every window from their start, aside, then swap them in',
    )
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/build.js')).backfillCommand, cmd),
    );
}

/** `etl run` */
function addRun(program: Command, run: Runner): void {
  withWriter(
    program
      .command('run')
      .description('catch incremental models up from their start to the last closed window'),
  )
    .option('--until <date>', 'catch up to the end of this day (default: now)')
    .option(
      '--batch-size <n>',
      "merge up to N consecutive windows into one transaction (default: each model's batch_size, else adaptive)",
    )
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/build.js')).runCatchUpCommand, cmd),
    );
}

/** `etl test` */
function addTest(program: Command, run: Runner): void {
  withSelect(
    program
      .command('test')
      .description('build the seed data in a throwaway database, then run every test on it'),
  )
    .option('--from <date>', 'first day to build (default: the earliest date in the seeds)')
    .option('--to <date>', 'last day to build, inclusive (default: the latest date in the seeds)')
    .option('--date <date>', 'build only the windows of this one day')
    .option('--warehouse', 'run the data tests against the real warehouse instead')
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/test.js')).testCommand, cmd),
    );
}

/** `etl verify` */
function addVerify(program: Command, run: Runner): void {
  withSelect(
    program
      .command('verify')
      .description('rebuild windows in a scratch database and compare content hashes'),
  )
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last day, inclusive')
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/verify.js')).verifyCommand, cmd),
    );
}

/** `etl status` */
function addStatus(program: Command, run: Runner): void {
  withSelect(
    program.command('status').description('per model: windows done, missing, stale, failed'),
  )
    .option('--until <date>', 'show windows up to this day (default: now)')
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/status.js')).statusCommand, cmd),
    );
}

/** `etl source freshness` */
function addSource(program: Command, run: Runner): void {
  program
    .command('source')
    .description('commands about sources')
    .command('freshness')
    .description("check each source's newest row against its warn_after / error_after")
    .option(
      '-s, --select <sources...>',
      'sources: raw, raw.orders or raw.* (default: all)',
      collect,
    )
    .action(async (_o, cmd: Command) =>
      run(async () => (await import('./commands/source.js')).sourceFreshnessCommand, cmd),
    );
}

/** Run the CLI; resolves to the exit code. The one place errors become messages. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let json = argv.includes('--json');
  let root = process.cwd();
  const program = createProgram(async (load, cmd) => {
    const flags = cmd.optsWithGlobals<Record<string, unknown> & GlobalFlags>();
    json = flags.json === true;
    root = messageRoot(flags);
    const action = await load();
    exitCode = await action(flags);
    // For the code cache (scripts/cli-loader.cjs): a run that finished a command compiled it.
    (globalThis as Record<symbol, unknown>)[Symbol.for('etl.commandFinished')] = true;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.version') {
        process.stdout.write(`${await fullVersion()}\n`);
        return ExitCode.ok;
      }
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help')
        return ExitCode.ok;
      const [first, ...rest] = error.message.replace(/^error: /, '').split('\n');
      const hint = rest
        .join(' ')
        .replace(/^\((.*)\)$/, '$1')
        .trim();
      return reportError(
        new UsageError(
          first ?? error.message,
          undefined,
          hint === '' ? undefined : hint.replace(/^Did you/, 'did you'),
        ),
        json,
        root,
      );
    }
    return reportError(error, json, root);
  }
  return exitCode;
}

async function reportError(error: unknown, json: boolean, root: string): Promise<number> {
  const { errorJson, formatError, useColor } = await import('./output.js');
  if (error instanceof EtlError) {
    if (json)
      process.stdout.write(`${JSON.stringify({ schema_version: 1, ...errorJson(error) })}\n`);
    else
      process.stderr.write(
        `${formatError(error, useColor(process.stderr), (file) => readProjectFile(root, file))}\n`,
      );
    return error.exitCode;
  }
  // A full disk or a file etl may not write, met after the warehouse opened.
  const environment = environmentError(error, 'the warehouse');
  if (environment !== undefined) return reportError(environment, json, root);
  const message = errorMessage(error);
  if (json)
    process.stdout.write(
      `${JSON.stringify({ schema_version: 1, status: 'error', error: { code: 'E_INTERNAL', message, file: null, line: null } })}\n`,
    );
  else {
    // The message once, then where it came from (the stack without its first line, which
    // repeats the message), then what to do.
    const frames =
      error instanceof Error && error.stack !== undefined
        ? error.stack
            .split('\n')
            .filter((l) => /^\s+at /.test(l))
            .join('\n')
        : '';
    process.stderr.write(
      `error[E_INTERNAL]: ${message}\n${frames === '' ? '' : `${frames}\n`}  help: this is a bug in etl, not in your project: please report it with the command and this output\n`,
    );
  }
  return ExitCode.failed;
}

function readProjectFile(root: string, file: string): string | undefined {
  try {
    return readFileSync(resolve(root, file), 'utf8');
  } catch {
    return undefined;
  }
}
