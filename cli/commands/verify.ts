import { verifyProject, type WindowCheck } from '../../core/api/verify.js';
import { UsageError } from '../../core/errors.js';
import { windowLabel } from '../../core/plan/window.js';
import { parseDateFlag, projectOptions, type GlobalFlags } from '../global-options.js';
import { formatCount, painter, useColor } from '../output.js';

interface VerifyFlags extends GlobalFlags {
  from?: string;
  to?: string;
  select?: string[];
  exclude?: string[];
}

/** `etl verify --from A --to B [-s SEL]`: rebuild windows in a scratch database and compare hashes. */
export async function verifyCommand(flags: VerifyFlags): Promise<number> {
  const from = parseDateFlag(flags.from, '--from');
  const to = parseDateFlag(flags.to, '--to');
  if (from === undefined || to === undefined)
    throw new UsageError('verify needs --from and --to', '--from');
  if (from > to)
    throw new UsageError(`--from ${flags.from ?? ''} is after --to ${flags.to ?? ''}`, '--from');
  const paint = painter(useColor(process.stdout));
  const summary = await verifyProject({
    ...projectOptions(flags),
    from,
    to,
    select: flags.select ?? [],
    exclude: flags.exclude ?? [],
    onWindow: (c: WindowCheck) => {
      if (flags.json || c.status !== 'mismatch') return;
      process.stdout.write(
        `${paint('red', 'MISMATCH')} ${c.model} ${windowLabel(c.window)}: ${c.reason ?? ''}\n`,
      );
    },
  });
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({
        status: summary.mismatched === 0 ? 'success' : 'failed',
        matched: summary.matched,
        mismatched: summary.mismatched,
        stale: summary.stale,
        missing: summary.missing,
        mismatches: summary.checks
          .filter((c) => c.status === 'mismatch')
          .map((c) => ({
            model: c.model,
            window: new Date(c.window.start).toISOString(),
            ledger: c.ledger,
            rebuilt: c.rebuilt,
            stored: c.stored,
            reason: c.reason,
          })),
        skipped: summary.skipped,
      })}\n`,
    );
  } else {
    for (const s of summary.skipped)
      process.stdout.write(`${paint('dim', `skip ${s.model}: ${s.reason}`)}\n`);
    const parts = [
      `${formatCount(summary.matched)} windows match`,
      `${formatCount(summary.mismatched)} mismatched`,
    ];
    if (summary.stale > 0) parts.push(`${formatCount(summary.stale)} stale (not compared)`);
    if (summary.missing > 0) parts.push(`${formatCount(summary.missing)} not built`);
    process.stdout.write(
      `${summary.mismatched === 0 ? paint('green', 'Verified') : paint('red', 'Mismatches')}: ${parts.join(', ')}\n`,
    );
  }
  return summary.mismatched === 0 ? 0 : 1;
}
