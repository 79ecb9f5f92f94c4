import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { WarehouseInUseError } from '../errors.js';
import { isLocalFile, redact, type Target } from '../engine/target.js';
import type { RunRecord } from '../state/run-log.js';
import {
  PROGRESS_FILE,
  type ProgressFileContent,
  type ProgressTarget,
} from '../execute/progress-file.js';
import { findProjectRoot } from '../project/find-project.js';
import { loadProject } from '../project/load-project.js';
import { resolveTarget, type ProjectOptions } from './open-project.js';

/** The progress file of the project in `root`. */
export function progressFilePath(root: string): string {
  return join(root, PROGRESS_FILE);
}

/** A target as the progress file names it: no password, no token. */
export function progressTarget(target: Target): ProgressTarget {
  return {
    name: target.name ?? null,
    kind: target.kind,
    url: redact(target.url),
    path: target.kind === 'duckdb' ? target.path : null,
  };
}

/** Whether a process of this machine is alive (one we may not signal is alive too). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The project's progress file, if there is one and it reads as one. */
export function readProgressFile(root: string): ProgressFileContent | undefined {
  let text: string;
  try {
    text = readFileSync(progressFilePath(root), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<ProgressFileContent>;
    if (
      parsed.schema_version !== 1 ||
      typeof parsed.run_id !== 'string' ||
      typeof parsed.pid !== 'number' ||
      typeof parsed.hostname !== 'string' ||
      typeof parsed.totals !== 'object' ||
      !Array.isArray(parsed.models)
    )
      return undefined;
    return parsed as ProgressFileContent;
  } catch {
    return undefined;
  }
}

/** A run of another process, alive, holding the warehouse: its progress file. */
export interface LiveRun {
  readonly file: ProgressFileContent;
  /** When it was read (epoch ms). */
  readonly readAt: number;
}

/**
 * The live run that explains `error`, when it is a warehouse held by another process: the
 * project's `.etl/run.json` names a process of this machine that is alive, writing this same
 * warehouse (and, when DuckDB says which process holds the file, that one). Undefined for any
 * other error, and when no such run is known: the error stands.
 */
export function liveRunHolding(error: unknown, options: ProjectOptions): LiveRun | undefined {
  if (!(error instanceof WarehouseInUseError)) return undefined;
  try {
    const env = options.env ?? process.env;
    const project = loadProject(findProjectRoot({ dir: options.project, env }), { env });
    const target = resolveTarget(project, options);
    const file = readProgressFile(project.root);
    if (file === undefined || file.hostname !== hostname()) return undefined;
    if (error.pid !== undefined && error.pid !== file.pid) return undefined;
    if (!processAlive(file.pid)) return undefined;
    const wanted = progressTarget(target);
    if (
      file.target.kind !== wanted.kind ||
      (file.target.path ?? file.target.url) !== (wanted.path ?? wanted.url)
    )
      return undefined;
    return { file, readAt: Date.now() };
  } catch {
    return undefined;
  }
}

/** A run of the ledger as status shows it: one left `running` by a process gone is abandoned. */
export interface RunStatus extends RunRecord {
  /** The recorded status, or `abandoned`. */
  readonly shown: string;
}

/**
 * Whether runs recorded `running` still run. A local DuckDB file opened by this process (not
 * through an engine it was given) is held by no writer: a run of another process still marked
 * running is gone. Elsewhere (PostgreSQL, where processes of several machines may write), a
 * run is abandoned only when it names this machine and a process that is no longer alive;
 * otherwise it is taken as running.
 */
export function runsWithLiveness(
  runs: readonly RunRecord[],
  context: { readonly target: Target; readonly openedHere: boolean },
): RunStatus[] {
  const host = hostname();
  const exclusive = context.openedHere && isLocalFile(context.target);
  return runs.map((r) => {
    if (r.status !== 'running') return { ...r, shown: r.status };
    const ours = r.host === host && r.pid === process.pid;
    const gone =
      !ours && (exclusive || (r.host === host && r.pid !== undefined && !processAlive(r.pid)));
    return { ...r, shown: gone ? 'abandoned' : 'running' };
  });
}
