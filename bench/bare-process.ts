/**
 * The floor of case 1b as a whole process: node, DuckDB loaded, the bare per-window loop over
 * the first DAYS days, the file closed (checkpointed). Usage: node dist/bench/bare-process.js
 * PATH DAYS
 */
import { bareWindows } from './floor.js';
import { FIRST_DAY } from './events-data.js';

const [path, days] = process.argv.slice(2);
if (path === undefined || days === undefined) throw new Error('usage: bare-process.js PATH DAYS');
await bareWindows(path, 'events', Date.parse(`${FIRST_DAY}T00:00:00Z`), Number(days));
