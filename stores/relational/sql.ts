import { escapeLiteral } from 'pg';

/**
 * The one SQL surface every relational store uses, so the same statements run on PGlite (embedded)
 * and on PostgreSQL through `pg` (services profile).
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

export interface SqlClient extends SqlExecutor {
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * A transaction scoped to one mission: it sets `missionflow.mission_id` for the transaction only
   * (`set_config(..., true)`, the function form of SET LOCAL), which the row-level security
   * policies check. Every read or write of mission data goes through here.
   */
  inMission<T>(missionId: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The setting the row-level security policies compare each row's mission_id with. */
export const missionSetting = 'missionflow.mission_id';

/**
 * The statement that scopes the current transaction to a mission (row-level security reads it).
 * Without parameters, so drivers send it by the simple protocol: a statement with parameters costs
 * a parse, bind and describe, more than the rest of a short transaction on PGlite, and every
 * mission-scoped transaction pays it (about 40 per document ingested).
 */
export function setMissionSql(missionId: string): string {
  return `SET LOCAL ${missionSetting} = ${escapeLiteral(missionId)}`;
}

/** `inMission` for any client: its own transaction, with the mission set first. */
export function missionScoped(transaction: SqlClient['transaction']): SqlClient['inMission'] {
  return (missionId, work) =>
    transaction(async (tx) => {
      await tx.query(setMissionSql(missionId));
      return work(tx);
    });
}

/**
 * pgvector's text form, e.g. "[0.1,0.2]"; passed as a parameter and cast with ::vector. pgvector
 * keeps 32-bit floats, which 9 significant digits give back exactly: a double's 17 would make the
 * text twice as long for the database to parse, for nothing (a vector is parsed in about half a
 * millisecond on PGlite, and every chunk's is).
 */
export function toVectorLiteral(values: readonly number[]): string {
  return `[${values.map((value) => (Number.isFinite(value) ? Number(value.toPrecision(9)) : 0)).join(',')}]`;
}

/** A timestamp column as ISO 8601 text (drivers give Date objects or strings). */
export function isoTime(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function isoTimeOrNull(value: Date | string | null): string | null {
  return value === null ? null : isoTime(value);
}
