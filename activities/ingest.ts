import type { IngestInput } from '../domain/documents';
import { mainPath, type PipelineActivity } from '../domain/pipeline';
import { createChunkActivities } from './chunk';
import { createClassifyActivities } from './classify';
import { createExtractActivities } from './extract';
import { createIndexingActivities } from './indexing';
import { createIngestContext, type IngestDependencies } from './ingest-context';
import { createParseActivities } from './parse';
import { createPiiActivities } from './pii';
import { createSectionActivities } from './sections';
import { createTextActivities } from './text';

export type { IngestDependencies, ParseResult } from './ingest-context';
export type { ClassifyResult } from './classify';
export type { SectionResult } from './sections';
export type { PiiScanResult } from './pii';
export type { ChunkResult, EmbedResult } from './chunk';
export type { AssessResult, GraphResult } from './extract';
export type { CleanupResult, IndexResult } from './indexing';
export type { TextResult } from './text';

/**
 * The ingest pipeline's activities, one module per stage (domain/pipeline.ts lists them in order).
 * Every step looks up its own recorded result first, so a step that finished before a crash (even
 * if Temporal never heard it finish) is not done again; its writes are keyed deterministically, so
 * a step interrupted half-way can safely run again.
 */
export function createIngestActivities(deps: IngestDependencies) {
  const context = createIngestContext(deps);
  const parse = createParseActivities(context);
  const pii = createPiiActivities(context);
  const chunk = createChunkActivities(context);
  return {
    ...createClassifyActivities(context),
    ...parse,
    ...createSectionActivities(context),
    ...pii,
    ...chunk,
    ...createTextActivities({ ...parse, ...pii, ...chunk }),
    ...createExtractActivities(context),
    ...createIndexingActivities(context),
  };
}

export type IngestActivities = ReturnType<typeof createIngestActivities>;

/** The main path's activities that belong to the ingest activities (the review plan is the desk's). */
type InProcessActivity = Extract<PipelineActivity, keyof IngestActivities>;

/**
 * The pipeline's main path in order (no review, no OCR, no sections), called directly without
 * Temporal: the benchmark's in-process baseline and store-level tests. Each step takes the run's
 * input and, for the steps that read text, the claim check of the step before.
 */
export async function ingestInProcess(activities: IngestActivities, input: IngestInput): Promise<void> {
  let parsedKey = '';
  for (const entry of mainPath) {
    if (!(entry.activity in activities)) continue;
    const activity = entry.activity as InProcessActivity;
    if (activity === 'parseDocument' || activity === 'scanPii' || activity === 'chunkDocument') {
      const step = activities[activity] as (
        input: IngestInput,
        key: string,
      ) => Promise<{ parsedKey?: string }>;
      const result = await step(input, parsedKey);
      if (result.parsedKey) parsedKey = result.parsedKey;
    } else {
      await (activities[activity] as (input: IngestInput) => Promise<unknown>)(input);
    }
  }
}
