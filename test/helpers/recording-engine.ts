import type { Connection, Engine } from '../../core/engine/adapter.js';

/** An engine that records every statement its connections run (the SQL goes to a real engine). */
export function recordingEngine(inner: Engine, log: string[]): Engine {
  return {
    display: inner.display,
    close: () => inner.close(),
    async connect(): Promise<Connection> {
      const conn = await inner.connect();
      return {
        dialect: conn.dialect,
        run: async (sql) => {
          log.push(sql);
          await conn.run(sql);
        },
        query: async (sql) => {
          log.push(sql);
          return conn.query(sql);
        },
        batch: async (statements) => {
          log.push(...statements);
          return conn.batch(statements);
        },
        relationKind: (schema, name) => conn.relationKind(schema, name),
        columns: (relation) => conn.columns(relation),
        relations: () => conn.relations(),
        schemaColumns: (schema) => conn.schemaColumns(schema),
        close: () => conn.close(),
      };
    },
  };
}
