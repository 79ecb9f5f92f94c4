/**
 * The floor of case 8 as a whole process: node, DuckDB loaded, one CREATE TABLE AS over the
 * year, the file closed (checkpointed). Usage: node dist/bench/ctas-process.js PATH
 */
import { bareCtas } from './floor.js';
import { FIRST_DAY } from './events-data.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: ctas-process.js PATH');
await bareCtas(path, 'events', Date.parse(`${FIRST_DAY}T00:00:00Z`), 365);
