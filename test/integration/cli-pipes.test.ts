import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { tempProject, type TempProject } from '../helpers/temp-project.js';
import { BIN } from '../helpers/run-cli.js';

let project: TempProject | undefined;
afterEach(() => {
  project?.cleanup();
  project = undefined;
});

describe('a reader that stops early', () => {
  it('etl compile | head -1 ends quietly: exit 0, no EPIPE trace', async () => {
    // 400 views of about 1 KB of SQL each: far more than a pipe holds.
    const files: Record<string, string> = {};
    const columns = Array.from({ length: 60 }, (_, i) => `${i} as column_${i}`).join(', ');
    for (let i = 0; i < 400; i++) files[`models/m${i}.sql`] = `select ${columns}`;
    project = tempProject(files);
    const child = spawn(process.execPath, [BIN, 'compile'], {
      cwd: project.root,
      env: { ...process.env, NO_COLOR: '1', ETL_TARGET: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = (await once(child, 'close')) as [number];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
