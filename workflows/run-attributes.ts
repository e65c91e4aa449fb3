import { upsertSearchAttributes } from '@temporalio/workflow';
import type { DocumentStatus } from '../domain/documents';
import { DocumentClassKey, IngestStatusKey, LaneKey } from '../domain/search-attributes';

/**
 * What the Temporal Web UI filters a run by: its status, class and lane, set as they change (the
 * document row says the same through the activities; these are for operators in the Web UI).
 */
export function showRun(change: { status?: DocumentStatus; documentClass?: string; lane?: string }): void {
  upsertSearchAttributes([
    ...(change.status ? [{ key: IngestStatusKey, value: change.status }] : []),
    ...(change.documentClass ? [{ key: DocumentClassKey, value: change.documentClass }] : []),
    ...(change.lane ? [{ key: LaneKey, value: change.lane }] : []),
  ]);
}
