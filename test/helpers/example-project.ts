import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A copy of the repository's example warehouse project in a temp dir. */
export function copyExampleProject(): { root: string; warehouse: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'etl-example-'));
  for (const item of ['models', 'seeds', 'etl.yml'])
    cpSync(join(REPO, item), join(root, item), { recursive: true });
  return {
    root,
    warehouse: join(root, 'warehouse.duckdb'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
