import type { Client } from '@temporalio/client';
import type { Logger } from '../observability/logger';
import type { CartridgeStore } from '../stores/relational/cartridges';
import type { DocumentVersionStore } from '../stores/relational/document-versions';
import type { DocumentRecord, DocumentStore } from '../stores/relational/documents';
import { isRunOpen } from '../temporal/runs';
import { startIngestRun } from './runs';

export interface ResumeDependencies {
  documents: DocumentStore;
  versions: DocumentVersionStore;
  cartridges: CartridgeStore;
  client: Client;
  workflowTaskQueue: string;
  logger: Logger;
}

/**
 * The sweep that makes sure nothing accepted is dropped: accepted documents whose run may never
 * have started (a crash between the row and the start), and queued updates whose run ended without
 * handing them over (it crashed, or it began before runs did so).
 */
export class ResumeSweep {
  constructor(private readonly deps: ResumeDependencies) {}

  /** Starts every such run once; answers how many were started. */
  async resumeUnstarted(): Promise<number> {
    // Mission by mission: every read of mission data is scoped to one mission (row-level security).
    const pending: DocumentRecord[] = [];
    for (const mission of await this.deps.cartridges.listMissions()) {
      pending.push(...(await this.handOverQueuedUpdates(mission.missionId)));
      pending.push(...(await this.deps.documents.listUnstarted(mission.missionId)));
    }
    let started = 0;
    // A handed-over update is also `received`, so it is listed twice: start each run once.
    const byRun = new Map(pending.map((document) => [document.workflowId, document]));
    for (const document of byRun.values()) {
      try {
        await startIngestRun(this.deps.client, this.deps.workflowTaskQueue, document);
        started++;
      } catch (error) {
        this.deps.logger.warn(
          { err: error, missionId: document.missionId, documentId: document.documentId },
          'could not start the run of an accepted document; will retry',
        );
      }
    }
    if (byRun.size > 0) this.deps.logger.info({ pending: byRun.size, started }, 'resumed accepted documents');
    return started;
  }

  /** Queued updates whose run has closed become their next content version (to be started). */
  private async handOverQueuedUpdates(missionId: string): Promise<DocumentRecord[]> {
    const next: DocumentRecord[] = [];
    for (const document of await this.deps.versions.listQueuedUpdates(missionId)) {
      try {
        if (await isRunOpen(this.deps.client.workflow, document.workflowId)) continue;
        const made = await this.deps.versions.takeQueuedUpdate(
          document.missionId,
          document.documentId,
          document.workflowId,
        );
        if (made) next.push(made);
      } catch (error) {
        this.deps.logger.warn(
          { err: error, missionId: document.missionId, documentId: document.documentId },
          'could not hand over a queued update; will retry',
        );
      }
    }
    return next;
  }
}
