import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The column names of a CSV file's header line (quotes removed), read from its first 64 KiB;
 * undefined when no full line is there. A hint only: the seed loader reads the file for real.
 */
export function csvHeader(path: string): string[] | undefined {
  const buffer = Buffer.alloc(65_536);
  const fd = openSync(path, 'r');
  let size: number;
  try {
    size = readSync(fd, buffer, 0, buffer.length, 0);
  } finally {
    closeSync(fd);
  }
  const text = buffer
    .subarray(0, size)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const names: string[] = [];
  let name = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        name += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else name += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      names.push(name.trim());
      name = '';
    } else if (ch === '\n' || ch === '\r') return [...names, name.trim()];
    else name += ch;
  }
  return size < buffer.length ? [...names, name.trim()] : undefined;
}
