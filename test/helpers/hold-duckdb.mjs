// Opens a DuckDB file and holds it until killed: the "other process" of the lock test.
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(process.argv[2]);
await instance.connect();
process.stdout.write('holding\n');
setInterval(() => undefined, 1000);
