import type { DocumentStatus } from '../../domain/documents';
import { isoTime, type SqlClient, type SqlExecutor } from './sql';

/** A change to one of a mission's documents, in the order the mission's changes committed. */
export interface DocumentEvent {
  /** Per mission, increasing in commit order: what `Last-Event-ID` resumes from. */
  eventId: number;
  documentId: string;
  kind: 'status' | 'step';
  /** The document's status once the change committed. */
  status: DocumentStatus;
  step: string | null;
  detail: Record<string, unknown>;
  at: string;
}

interface EventRow {
  event_id: string | number;
  document_id: string;
  kind: 'status' | 'step';
  status: DocumentStatus;
  step: string | null;
  detail: Record<string, unknown>;
  at: Date | string;
}

/**
 * Appends an event inside the transaction that made the change. The mission's counter row is
 * locked until that transaction commits, so ids are handed out in commit order: a reader that has
 * seen event N never later finds an event below N appear (which a plain sequence would allow).
 */
export async function recordDocumentEvent(
  tx: SqlExecutor,
  event: {
    missionId: string;
    documentId: string;
    kind: 'status' | 'step';
    step?: string | null;
    detail?: Record<string, unknown>;
  },
): Promise<void> {
  // One statement: the counter's next id and the event that takes it (one round trip, not two).
  await tx.query(
    `WITH counter AS (
       INSERT INTO mission_event_counters (mission_id, last_event_id) VALUES ($1, 1)
       ON CONFLICT (mission_id) DO UPDATE SET last_event_id = mission_event_counters.last_event_id + 1
       RETURNING last_event_id
     )
     INSERT INTO document_events (mission_id, event_id, document_id, kind, status, step, detail)
     SELECT $1, counter.last_event_id, $2, $3, d.status, $4, $5::jsonb FROM documents d CROSS JOIN counter
     WHERE d.mission_id = $1 AND d.document_id = $2`,
    [event.missionId, event.documentId, event.kind, event.step ?? null, JSON.stringify(event.detail ?? {})],
  );
}

/** Reads a mission's document events (the server-sent event stream's source). */
export class DocumentEventStore {
  constructor(private readonly sql: SqlClient) {}

  /** Events after `afterEventId`, oldest first. */
  async since(missionId: string, afterEventId: number, limit = 500): Promise<DocumentEvent[]> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<EventRow>(
        `SELECT event_id, document_id, kind, status, step, detail, at FROM document_events
         WHERE mission_id = $1 AND event_id > $2 ORDER BY event_id LIMIT $3`,
        [missionId, afterEventId, limit],
      ),
    );
    return rows.map((row) => ({
      eventId: Number(row.event_id),
      documentId: row.document_id,
      kind: row.kind,
      status: row.status,
      step: row.step,
      detail: row.detail,
      at: isoTime(row.at),
    }));
  }

  /** The id of the mission's latest event (0 when there is none): where a new stream starts. */
  async latestEventId(missionId: string): Promise<number> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{ last_event_id: string | number }>(
        'SELECT last_event_id FROM mission_event_counters WHERE mission_id = $1',
        [missionId],
      ),
    );
    return rows[0] ? Number(rows[0].last_event_id) : 0;
  }
}
