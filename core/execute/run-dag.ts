/** A node of a DAG of work. */
export interface DagTask {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/** How a task ended. */
export type TaskOutcome = 'success' | 'failed' | 'upstream_failed' | 'cancelled';

/** Options of {@link runDag}. */
export interface RunDagOptions<T extends DagTask> {
  /** Tasks run at once at most (one worker each). */
  readonly concurrency: number;
  /**
   * Run one task on a worker; resolve true on success, false on failure, or `later` when it
   * cannot run now (another process holds it): it is run again, with `again` set, once no
   * other task is ready; or `halt`: it failed, and no other task can run either (the
   * warehouse is gone): the walk stops. Never rejects.
   */
  readonly run: (task: T, worker: number, again: boolean) => Promise<boolean | 'later' | 'halt'>;
  /** Stop starting tasks after the first failure; the rest are `cancelled`. */
  readonly failFast?: boolean;
  /**
   * When aborted (Ctrl-C), no task starts any more; running ones end as they would, and the
   * rest are `cancelled` with the cause `interrupted`.
   */
  readonly abort?: AbortSignal;
  /** Tasks that must not run at the same time (e.g. overlapping windows of one model). */
  readonly exclusive?: (a: T, b: T) => boolean;
  /**
   * Tasks run together as one: a task taken may bring the tasks after it (in the given order)
   * that are ready too, while `joins(previous, next)` accepts each, up to `limit(first)` in
   * all; `run` then runs them (one or more) at once and says how each ended. A task whose
   * limit is 0, or tried again (`later`), runs alone through the task's own `run`.
   */
  readonly group?: {
    readonly limit: (first: T) => number;
    readonly joins: (previous: T, next: T) => boolean;
    /** How each task ended, as `run` says; `skip`: not run (the walk stopped meanwhile). */
    readonly run: (
      tasks: readonly T[],
      worker: number,
    ) => Promise<ReadonlyMap<string, boolean | 'later' | 'halt' | 'skip'>>;
  };
  /** Called when a task is skipped because an upstream task failed or it was cancelled. */
  readonly onSkip?: (
    task: T,
    outcome: 'upstream_failed' | 'cancelled',
    cause: string | undefined,
  ) => void;
}

/**
 * Walk a DAG: a task starts when every dependency succeeded, on one of `concurrency` workers,
 * earlier tasks (in the given order) first. The descendants of a failed task are
 * `upstream_failed`; independent tasks go on unless `failFast`.
 */
export async function runDag<T extends DagTask>(
  tasks: readonly T[],
  options: RunDagOptions<T>,
): Promise<Map<string, TaskOutcome>> {
  const walk = startWalk(tasks, options);
  const interrupt = (): void => {
    walk.stopped = true;
    walk.haltedBy ??= 'interrupted';
    signal(walk);
  };
  if (options.abort?.aborted) interrupt();
  options.abort?.addEventListener('abort', interrupt, { once: true });
  await Promise.all(
    Array.from({ length: Math.max(1, options.concurrency) }, (_, i) => worker(walk, i)),
  );
  options.abort?.removeEventListener('abort', interrupt);
  cancelUnstarted(walk);
  return walk.outcome;
}

/** What the workers of one {@link runDag} share. */
interface Walk<T extends DagTask> {
  readonly tasks: readonly T[];
  readonly options: RunDagOptions<T>;
  readonly outcome: Map<string, TaskOutcome>;
  /** Each task's position in the given order, which is the order ready tasks start in. */
  readonly index: Map<string, number>;
  /** Each task's dependencies that have not succeeded yet. */
  readonly waiting: Map<string, number>;
  /** The tasks that depend on each task. */
  readonly children: Map<string, string[]>;
  /** Ready tasks by plan position: a small binary heap keeps this O(log n) per task. */
  readonly ready: MinHeap;
  readonly running: Set<T>;
  /** Tasks taken along with another (see `group`): they are still on the ready queue. */
  readonly taken: Set<string>;
  /** The running tasks not run together with others. */
  readonly alone: Set<T>;
  /** Tasks put off (`later`), in the order they were, to run again when nothing else is ready. */
  readonly deferred: T[];
  /** Set on the first failure under `failFast`: no task starts after it. */
  stopped: boolean;
  /** The task that halted the walk, if one did. */
  haltedBy: string | undefined;
  /** Resumes the idle workers; each one waiting chains itself on. */
  wake: (() => void) | undefined;
}

/** Link the tasks to their dependencies and queue those that wait on none. */
function startWalk<T extends DagTask>(tasks: readonly T[], options: RunDagOptions<T>): Walk<T> {
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const task of tasks) {
    // Dependencies outside the tasks given are taken as met.
    const deps = new Set(task.dependsOn.filter((d) => index.has(d)));
    waiting.set(task.id, deps.size);
    for (const d of deps) {
      const list = children.get(d);
      if (list) list.push(task.id);
      else children.set(d, [task.id]);
    }
  }
  const ready = new MinHeap();
  for (const task of tasks) if (waiting.get(task.id) === 0) ready.push(index.get(task.id)!);
  const outcome = new Map<string, TaskOutcome>();
  return {
    tasks,
    options,
    outcome,
    index,
    waiting,
    children,
    ready,
    running: new Set<T>(),
    taken: new Set<string>(),
    alone: new Set<T>(),
    deferred: [],
    stopped: false,
    haltedBy: undefined,
    wake: undefined,
  };
}

/**
 * One worker: take the next task that may start, run it, settle it; when none may start yet,
 * sleep until another worker settles one. Ends when nothing is left to start or run.
 */
async function worker<T extends DagTask>(walk: Walk<T>, id: number): Promise<void> {
  for (;;) {
    if (walk.stopped) return;
    let task = nextTask(walk);
    const again = task === undefined ? takeDeferred(walk) : undefined;
    task ??= again;
    if (task === undefined) {
      if (walk.running.size === 0 && walk.deferred.length === 0) return;
      await woken(walk);
      continue;
    }
    const limit = again === undefined ? (walk.options.group?.limit(task) ?? 0) : 0;
    const group = limit > 0 ? gather(walk, task, limit) : [task];
    for (const t of group) walk.running.add(t);
    if (group.length === 1) walk.alone.add(task);
    const outcomes =
      limit > 0
        ? await walk.options.group!.run(group, id)
        : new Map([[task.id, await walk.options.run(task, id, again !== undefined)]]);
    for (const t of group) walk.running.delete(t);
    walk.alone.delete(task);
    for (const t of group) {
      const ok = outcomes.get(t.id) ?? false;
      // Not run because the walk stopped (Ctrl-C, --fail-fast, halt): cancelled at its end.
      if (ok === 'skip') continue;
      if (ok === 'later') {
        walk.deferred.push(t);
        signal(walk);
      } else if (ok === 'halt') {
        walk.stopped = true;
        walk.haltedBy ??= t.id;
        settle(walk, t, false);
      } else if (!walk.outcome.has(t.id)) settle(walk, t, ok);
    }
  }
}

/**
 * `first` and the tasks after it in the given order that may run with it (see `group`): ready,
 * not started, accepted one after another, excluded by no running task.
 */
function gather<T extends DagTask>(walk: Walk<T>, first: T, limit: number): T[] {
  const { group, exclusive } = walk.options;
  const tasks = [first];
  if (group === undefined) return tasks;
  for (let i = walk.index.get(first.id)! + 1; tasks.length < limit && i < walk.tasks.length; i++) {
    const next = walk.tasks[i]!;
    if (walk.waiting.get(next.id) !== 0 || walk.outcome.has(next.id) || walk.taken.has(next.id))
      break;
    if (!group.joins(tasks.at(-1)!, next)) break;
    // Steps run together never exclude one another (`joins` says so): only those run alone.
    if (exclusive !== undefined && [...walk.alone].some((r) => exclusive(r, next))) break;
    tasks.push(next);
  }
  for (const t of tasks) walk.taken.add(t.id);
  return tasks;
}

/**
 * The earliest ready task that no running task excludes, taken off the queue. Tasks held back
 * by an exclusive one go back on the queue, for when it ends.
 */
function nextTask<T extends DagTask>(walk: Walk<T>): T | undefined {
  const { options, ready } = walk;
  const held: number[] = [];
  let found: T | undefined;
  while (ready.size > 0) {
    const i = ready.pop()!;
    const task = walk.tasks[i]!;
    if (walk.outcome.has(task.id) || walk.taken.has(task.id)) continue;
    const blocked =
      options.exclusive !== undefined && [...walk.running].some((r) => options.exclusive!(r, task));
    if (blocked) held.push(i);
    else {
      found = task;
      break;
    }
  }
  for (const i of held) ready.push(i);
  return found;
}

/** The first task put off that no running task excludes, taken off the list. */
function takeDeferred<T extends DagTask>(walk: Walk<T>): T | undefined {
  const { exclusive } = walk.options;
  const i = walk.deferred.findIndex(
    (task) => exclusive === undefined || ![...walk.running].some((r) => exclusive(r, task)),
  );
  return i < 0 ? undefined : walk.deferred.splice(i, 1)[0];
}

/**
 * A promise of the next {@link signal}. Not an async function: the extra turns one takes could
 * change which worker picks up which task.
 */
function woken<T extends DagTask>(walk: Walk<T>): Promise<void> {
  return new Promise<void>((resolve) => {
    const previous = walk.wake;
    walk.wake = () => {
      previous?.();
      resolve();
    };
  });
}

/** Wake every idle worker: a task ended, so others may be ready or no longer excluded. */
function signal<T extends DagTask>(walk: Walk<T>): void {
  walk.wake?.();
  walk.wake = undefined;
}

/**
 * Record how a task ended: a success makes ready the children it was the last dependency of;
 * a failure skips its descendants, and under `failFast` stops the walk.
 */
function settle<T extends DagTask>(walk: Walk<T>, task: T, ok: boolean): void {
  walk.outcome.set(task.id, ok ? 'success' : 'failed');
  if (ok) {
    for (const child of walk.children.get(task.id) ?? []) {
      const left = walk.waiting.get(child)! - 1;
      walk.waiting.set(child, left);
      if (left === 0) walk.ready.push(walk.index.get(child)!);
    }
  } else {
    skipDescendants(walk, task.id);
    if (walk.options.failFast) walk.stopped = true;
  }
  signal(walk);
}

/** Mark each descendant of a failed task not yet ended `upstream_failed`, the failure its cause. */
function skipDescendants<T extends DagTask>(walk: Walk<T>, failed: string): void {
  const stack = [...(walk.children.get(failed) ?? [])];
  while (stack.length > 0) {
    const child = stack.pop()!;
    if (walk.outcome.has(child)) continue;
    walk.outcome.set(child, 'upstream_failed');
    walk.options.onSkip?.(walk.tasks[walk.index.get(child)!]!, 'upstream_failed', failed);
    stack.push(...(walk.children.get(child) ?? []));
  }
}

/** Tasks that never started (as after a fail-fast stop) are `cancelled`. */
function cancelUnstarted<T extends DagTask>(walk: Walk<T>): void {
  for (const task of walk.tasks) {
    if (walk.outcome.has(task.id)) continue;
    walk.outcome.set(task.id, 'cancelled');
    walk.options.onSkip?.(task, 'cancelled', walk.haltedBy);
  }
}

/** Task positions, smallest first: a binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= a[i]!) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): number | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}
