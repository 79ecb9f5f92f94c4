import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A throwaway project directory made of the given files; `cleanup()` removes it. */
export interface TempProject {
  readonly root: string;
  readonly warehouse: string;
  write(file: string, text: string): void;
  cleanup(): void;
}

/** Create a temp project; files are project-relative paths to contents. */
export function tempProject(files: Record<string, string>): TempProject {
  const root = mkdtempSync(join(tmpdir(), 'etl-test-'));
  const write = (file: string, text: string): void => {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  for (const [file, text] of Object.entries(files)) write(file, text);
  return {
    root,
    warehouse: join(root, 'warehouse.duckdb'),
    write,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
