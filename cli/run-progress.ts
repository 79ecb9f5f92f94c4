import type { StepResult } from '../core/execute/run-summary.js';
import type { Plan, Step } from '../core/plan/plan.js';

/** How far one model of a run is. */
export interface ModelProgress {
  readonly name: string;
  readonly kind: Step['kind'];
  /** Windows planned (steps, for a model without windows). */
  readonly total: number;
  done: number;
  /** Windows (steps) written or found current: done less failed. */
  built: number;
  /** Windows (steps) an interrupt kept from starting. */
  notRun: number;
  failed: number;
  rows: number;
  /** Busy time of its finished steps (ms; summed over threads). */
  busyMs: number;
  /** When its first step started (ms, the run's clock); undefined before. */
  firstStarted: number | undefined;
  /** When its last step finished, once every step has. */
  lastFinished: number | undefined;
  /** Steps running now, with when each started. */
  readonly running: Map<string, number>;
  /** Measured cost of one unit (window, or step) of this model: smoothed ms. */
  unitMs: number | undefined;
  /** The cost per unit of its last steps (ms), newest last. */
  readonly recent: number[];
}

/** The whole run, as the progress display and the summary table read it. */
export interface ProgressSnapshot {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  /** Kept from starting by an interrupt. */
  readonly notRun: number;
  /** `windows`, or `steps` for a plan with no windows (views and tables only). */
  readonly unit: 'windows' | 'steps';
  readonly stepsTotal: number;
  readonly stepsDone: number;
  /** Rows written by windowed steps (seeds and tables do not count), per second. */
  readonly rowsPerSecond: number;
  readonly elapsedMs: number;
  /** Time left; undefined while estimating. */
  readonly etaMs: number | undefined;
}

/** Weight of the newest measure in a model's smoothed cost per unit. */
const SMOOTHING = 0.3;

/** Steps of a model whose costs are kept to bound a chain's time left. */
const RECENT = 20;

/** Time constant of the ETA's smoothing (ms). */
const ETA_SMOOTHING_MS = 3_000;

/**
 * Progress of a run and its ETA, weighted by the cost of each model's steps: a model's cost
 * per window is measured on its own finished steps (smoothed), a model not started yet is
 * priced at the median of those measured, and the time left is the time so far scaled by
 * the cost left over the cost done. An hourly step of 24 windows and a daily step of one
 * weigh what they cost, not what they count; parallel threads are in the time so far.
 */
export class RunProgress {
  readonly models = new Map<string, ModelProgress>();
  private readonly byWindows: boolean;
  private started: number;
  private windowedRows = 0;
  private firstWindowed: number | undefined;
  private stepsDone = 0;
  private readonly stepsTotal: number;
  /** Smoothed estimate of the finish time, to keep the ETA from jumping. */
  private finishAt: number | undefined;
  private smoothedAt = 0;
  /** Models whose steps run one after another (each window reads the one before). */
  private readonly serial = new Set<string>();

  constructor(plan: Plan, now: number) {
    this.started = now;
    this.byWindows = plan.steps.some((s) => s.windows.length > 0);
    this.stepsTotal = plan.steps.length;
    const modelOf = new Map(plan.steps.map((s) => [s.id, s.model]));
    for (const step of plan.steps) {
      const m = this.model(step);
      (m as { total: number }).total += this.units(step);
      if (step.dependsOn.some((id) => modelOf.get(id) === step.model)) this.serial.add(step.model);
    }
  }

  /** Units (windows, or steps) a step counts for. */
  units(step: Step): number {
    return this.byWindows ? step.windows.length : 1;
  }

  stepStarted(step: Step, now: number): void {
    const m = this.model(step);
    m.firstStarted ??= now;
    m.running.set(step.id, now);
    if (step.windows.length > 0) this.firstWindowed ??= now;
  }

  stepFinished(result: StepResult, now: number): void {
    const { step } = result;
    const m = this.model(step);
    const began = m.running.get(step.id);
    m.running.delete(step.id);
    const units = this.units(step);
    this.stepsDone += 1;
    // A step an interrupt kept from starting is not done: it is left for the rerun.
    if (result.status === 'cancelled') {
      m.notRun += units;
      return;
    }
    m.done += units;
    // A full refresh's swap copies no window: its row count is the table's.
    if (step.kind !== 'swap') m.rows += result.rows;
    if (result.status === 'failed') m.failed += units;
    if (result.status === 'success' || result.status === 'unchanged') m.built += units;
    if (step.windows.length > 0 && step.kind !== 'swap') this.windowedRows += result.rows;
    // Steps not run (upstream failed, interrupted) cost nothing and say nothing of the cost.
    if (began !== undefined && result.attempts > 0) {
      m.busyMs += result.durationMs;
      const perUnit = result.durationMs / Math.max(1, units);
      m.unitMs =
        m.unitMs === undefined ? perUnit : SMOOTHING * perUnit + (1 - SMOOTHING) * m.unitMs;
      m.recent.push(perUnit);
      if (m.recent.length > RECENT) m.recent.shift();
    }
    if (m.done + m.notRun >= m.total && m.running.size === 0) m.lastFinished = now;
  }

  /** The run's totals and ETA at `now`. */
  snapshot(now: number): ProgressSnapshot {
    let total = 0;
    let done = 0;
    let failed = 0;
    let notRun = 0;
    for (const m of this.models.values()) {
      total += m.total;
      done += m.done;
      failed += m.failed;
      notRun += m.notRun;
    }
    const elapsedMs = now - this.started;
    const windowedFor = this.firstWindowed === undefined ? 0 : now - this.firstWindowed;
    return {
      total,
      done,
      failed,
      notRun,
      unit: this.byWindows ? 'windows' : 'steps',
      stepsTotal: this.stepsTotal,
      stepsDone: this.stepsDone,
      rowsPerSecond: windowedFor > 0 ? (this.windowedRows / windowedFor) * 1000 : 0,
      elapsedMs,
      etaMs: this.eta(now, done + notRun, total),
    };
  }

  /**
   * Cost-weighted time left, or undefined while there is not enough to go on: before a
   * second has passed or before a windowed step (or, without windows, any step) finished.
   */
  private eta(now: number, done: number, total: number): number | undefined {
    if (done >= total) return 0;
    const elapsed = now - this.started;
    const measured = [...this.models.values()]
      .map((m) => m.unitMs)
      .filter((c): c is number => c !== undefined)
      .sort((a, b) => a - b);
    if (elapsed < 1000 || measured.length === 0) return undefined;
    const median = measured[Math.floor(measured.length / 2)] ?? 0;
    let costDone = 0;
    let costLeft = 0;
    // A model whose windows run one after another cannot finish sooner than its windows
    // left take one by one, however many threads the rest of the run has.
    let chain = 0;
    for (const m of this.models.values()) {
      const unit = m.unitMs ?? median;
      costDone += m.done * unit;
      // A running step is partly done: what it has run so far is taken off what is left.
      let runningFor = 0;
      for (const began of m.running.values()) runningFor += now - began;
      const left = (m.total - m.done) * unit;
      const leftNow = Math.max(left - runningFor, left * 0.1);
      costLeft += leftNow;
      costDone += Math.min(runningFor, left * 0.9);
      // Its steps run faster once the rest of the run is done and no longer competes for
      // the cores: priced at the quicker of its recent steps (the lower quartile), not their mean.
      if (this.serial.has(m.name) && m.recent.length > 0) {
        const quick = [...m.recent].sort((a, b) => a - b)[Math.floor(m.recent.length / 4)] ?? unit;
        chain = Math.max(chain, Math.max(0, (m.total - m.done) * quick - runningFor));
      }
    }
    if (costDone <= 0) return undefined;
    const finish = now + Math.max((elapsed * costLeft) / costDone, chain);
    // Smoothed over about three seconds, however often it is asked, so that one slow step
    // does not swing it.
    const weight =
      this.finishAt === undefined ? 1 : 1 - Math.exp(-(now - this.smoothedAt) / ETA_SMOOTHING_MS);
    this.finishAt =
      this.finishAt === undefined ? finish : this.finishAt + weight * (finish - this.finishAt);
    this.smoothedAt = now;
    return Math.max(0, this.finishAt - now);
  }

  private model(step: Step): ModelProgress {
    let m = this.models.get(step.model);
    if (m === undefined) {
      m = {
        name: step.model,
        kind: step.kind,
        total: 0,
        done: 0,
        built: 0,
        notRun: 0,
        failed: 0,
        rows: 0,
        busyMs: 0,
        firstStarted: undefined,
        lastFinished: undefined,
        running: new Map(),
        unitMs: undefined,
        recent: [],
      };
      this.models.set(step.model, m);
    }
    return m;
  }
}
