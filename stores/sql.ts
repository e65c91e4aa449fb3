/**
 * The one SQL surface every relational store uses, so the same statements run on PGlite (embedded)
 * and on PostgreSQL through `pg` (services profile).
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

export interface SqlClient extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** pgvector's text form, e.g. "[0.1,0.2]"; passed as a parameter and cast with ::vector. */
export function toVectorLiteral(values: readonly number[]): string {
  return `[${values.map((value) => (Number.isFinite(value) ? value : 0)).join(',')}]`;
}
