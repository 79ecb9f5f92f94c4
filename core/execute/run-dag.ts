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
  /** Run one task on a worker; resolve true on success, false on failure. Never rejects. */
  readonly run: (task: T, worker: number) => Promise<boolean>;
  /** Stop starting tasks after the first failure; the rest are `cancelled`. */
  readonly failFast?: boolean;
  /** Tasks that must not run at the same time (e.g. overlapping windows of one model). */
  readonly exclusive?: (a: T, b: T) => boolean;
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
  const outcome = new Map<string, TaskOutcome>();
  const index = new Map(tasks.map((t, i) => [t.id, i]));
  const waiting = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const task of tasks) {
    const deps = new Set(task.dependsOn.filter((d) => index.has(d)));
    waiting.set(task.id, deps.size);
    for (const d of deps) {
      const list = children.get(d);
      if (list) list.push(task.id);
      else children.set(d, [task.id]);
    }
  }
  // Ready tasks by plan position: a small binary heap keeps this O(log n) per task.
  const ready = new MinHeap();
  for (const task of tasks) if (waiting.get(task.id) === 0) ready.push(index.get(task.id)!);
  const running = new Set<T>();
  let stopped = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    wake?.();
    wake = undefined;
  };

  const skipDescendants = (id: string, cause: string): void => {
    const stack = [...(children.get(id) ?? [])];
    while (stack.length > 0) {
      const child = stack.pop()!;
      if (outcome.has(child)) continue;
      outcome.set(child, 'upstream_failed');
      options.onSkip?.(tasks[index.get(child)!]!, 'upstream_failed', cause);
      stack.push(...(children.get(child) ?? []));
    }
  };

  const next = (): T | undefined => {
    const held: number[] = [];
    let found: T | undefined;
    while (ready.size > 0) {
      const i = ready.pop()!;
      const task = tasks[i]!;
      if (outcome.has(task.id)) continue;
      const blocked =
        options.exclusive !== undefined && [...running].some((r) => options.exclusive!(r, task));
      if (blocked) held.push(i);
      else {
        found = task;
        break;
      }
    }
    for (const i of held) ready.push(i);
    return found;
  };

  const worker = async (id: number): Promise<void> => {
    for (;;) {
      if (stopped) return;
      const task = next();
      if (task === undefined) {
        if (running.size === 0) return;
        await new Promise<void>((resolve) => {
          const previous = wake;
          wake = () => {
            previous?.();
            resolve();
          };
        });
        continue;
      }
      running.add(task);
      const ok = await options.run(task, id);
      running.delete(task);
      outcome.set(task.id, ok ? 'success' : 'failed');
      if (ok) {
        for (const child of children.get(task.id) ?? []) {
          const left = waiting.get(child)! - 1;
          waiting.set(child, left);
          if (left === 0) ready.push(index.get(child)!);
        }
      } else {
        skipDescendants(task.id, task.id);
        if (options.failFast) stopped = true;
      }
      signal();
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, (_, i) => worker(i)));
  for (const task of tasks) {
    if (outcome.has(task.id)) continue;
    outcome.set(task.id, 'cancelled');
    options.onSkip?.(task, 'cancelled', undefined);
  }
  return outcome;
}

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
