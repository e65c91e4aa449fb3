import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so the Temporal Web UI can filter runs by mission and state. The dev
 * server registers them at start (temporal/dev-server.ts); a cluster gets them from
 * temporal/namespace.ts.
 */
export const MissionIdKey = defineSearchAttributeKey('MissionId', SearchAttributeType.KEYWORD);
export const DocumentClassKey = defineSearchAttributeKey('DocumentClass', SearchAttributeType.KEYWORD);
export const LaneKey = defineSearchAttributeKey('Lane', SearchAttributeType.KEYWORD);
export const IngestStatusKey = defineSearchAttributeKey('IngestStatus', SearchAttributeType.KEYWORD);

export const customSearchAttributes = [MissionIdKey, DocumentClassKey, LaneKey, IngestStatusKey] as const;
