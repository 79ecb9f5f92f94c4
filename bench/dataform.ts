import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layeredParents } from './generated-project.js';

/**
 * Dataform, the peer the bench compares `etl plan` with: installed on request only
 * (`npm run bench:peers`: @dataform/cli 3.0.69 and @dataform/core 3.0.62, the newest core
 * published, about 150 MB with the BigQuery client) into `.bench-peers/`, never by `npm ci`.
 */
export const PEERS = fileURLToPath(new URL('../../.bench-peers/', import.meta.url));

/** The `dataform` CLI, if `npm run bench:peers` installed it. */
export function dataformBin(): string | undefined {
  const bin = join(PEERS, 'node_modules', '@dataform', 'cli', 'bundle.js');
  const core = join(PEERS, 'node_modules', '@dataform', 'core');
  return existsSync(bin) && existsSync(core) ? bin : undefined;
}

/**
 * The layered DAG of `writeLayeredProject` as a Dataform project: the same models, refs and
 * materializations in SQLX (incremental models filter on their own latest day), with the
 * installed @dataform/core copied into it so that `dataform compile` runs offline.
 */
export function writeDataformProject(dir: string, n: number): void {
  mkdirSync(join(dir, 'definitions'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@dataform'), { recursive: true });
  const core = join(dir, 'node_modules', '@dataform', 'core');
  // Copied (1.3 MB): Dataform's sandbox does not follow a link out of the project.
  if (!existsSync(core))
    cpSync(join(PEERS, 'node_modules', '@dataform', 'core'), core, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    '{ "name": "bench", "dependencies": { "@dataform/core": "3.0.62" } }\n',
  );
  writeFileSync(
    join(dir, 'workflow_settings.yaml'),
    'defaultProject: bench\ndefaultLocation: US\ndefaultDataset: dataform\ndefaultAssertionDataset: dataform_assertions\n',
  );
  writeFileSync(
    join(dir, 'definitions', 'src.sqlx'),
    'config { type: "declaration", name: "src" }\n',
  );
  layeredParents(n).forEach((parents, i) => {
    const type = i % 3 === 0 ? 'incremental' : i % 3 === 1 ? 'view' : 'table';
    const joins = parents
      .slice(1)
      .map((p, k) => `join \${ref("${p}")} as p${k + 1} using (id)`)
      .join('\n');
    const where =
      i % 3 === 0 ? '${when(incremental(), `where p0.d > (select max(d) from ${self()})`)}' : '';
    writeFileSync(
      join(dir, 'definitions', `m${i}.sqlx`),
      `config { type: "${type}" }\nselect p0.id, p0.d, 1 as k\nfrom \${ref("${parents[0]!}")} as p0\n${joins}\n${where}\n`,
    );
  });
}
