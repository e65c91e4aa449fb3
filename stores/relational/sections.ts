import type { Block } from '../../domain/parsed';
import type { Section } from '../../domain/sections';
import type { SqlClient } from './sql';

/** What one section of a long document gave: its text blocks, and the document's title if any. */
export interface SectionText {
  title: string | null;
  blocks: Block[];
}

export interface SectionRecord {
  index: number;
  firstPage: number;
  lastPage: number;
  status: 'running' | 'done';
  /** Attempts started; a section done before a crash is never attempted again. */
  executions: number;
  /** Times it finished: 1 for every done section. */
  completions: number;
}

/**
 * The sections of long documents (the deep lane): each recorded when it starts and when it is done,
 * with its text, keyed by (mission, document, content version, section), so a resumed run reads
 * what is done and parses only the rest.
 */
export class SectionStore {
  constructor(private readonly sql: SqlClient) {}

  async result(
    missionId: string,
    documentId: string,
    version: number,
    index: number,
  ): Promise<SectionText | null> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{ parsed: SectionText }>(
        `SELECT parsed FROM document_sections WHERE mission_id = $1 AND document_id = $2
           AND content_version = $3 AND section_index = $4 AND status = 'done'`,
        [missionId, documentId, version, index],
      ),
    );
    return rows[0]?.parsed ?? null;
  }

  async begin(missionId: string, documentId: string, version: number, section: Section): Promise<void> {
    await this.sql.inMission(missionId, (tx) =>
      tx.query(
        `INSERT INTO document_sections (mission_id, document_id, content_version, section_index, first_page,
           last_page, status, executions, started_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'running', 1, now())
         ON CONFLICT (mission_id, document_id, content_version, section_index) DO UPDATE
           SET executions = document_sections.executions + 1
           WHERE document_sections.status <> 'done'`,
        [missionId, documentId, version, section.index, section.firstPage, section.lastPage],
      ),
    );
  }

  /** Records the section done, once: a second attempt that raced the first changes nothing. */
  async complete(
    missionId: string,
    documentId: string,
    version: number,
    index: number,
    text: SectionText,
  ): Promise<void> {
    await this.sql.inMission(missionId, (tx) =>
      tx.query(
        `UPDATE document_sections SET status = 'done', completions = completions + 1, parsed = $5::jsonb,
           finished_at = now()
         WHERE mission_id = $1 AND document_id = $2 AND content_version = $3 AND section_index = $4
           AND status <> 'done'`,
        [missionId, documentId, version, index, JSON.stringify(text)],
      ),
    );
  }

  /** Every done section's text, in page order. */
  async texts(
    missionId: string,
    documentId: string,
    version: number,
  ): Promise<Array<SectionText & { index: number }>> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{ section_index: number; parsed: SectionText }>(
        `SELECT section_index, parsed FROM document_sections WHERE mission_id = $1 AND document_id = $2
           AND content_version = $3 AND status = 'done' ORDER BY section_index`,
        [missionId, documentId, version],
      ),
    );
    return rows.map((row) => ({ index: row.section_index, ...row.parsed }));
  }

  async list(missionId: string, documentId: string, version: number): Promise<SectionRecord[]> {
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{
        section_index: number;
        first_page: number;
        last_page: number;
        status: 'running' | 'done';
        executions: number;
        completions: number;
      }>(
        `SELECT section_index, first_page, last_page, status, executions, completions FROM document_sections
         WHERE mission_id = $1 AND document_id = $2 AND content_version = $3 ORDER BY section_index`,
        [missionId, documentId, version],
      ),
    );
    return rows.map((row) => ({
      index: row.section_index,
      firstPage: row.first_page,
      lastPage: row.last_page,
      status: row.status,
      executions: row.executions,
      completions: row.completions,
    }));
  }
}
