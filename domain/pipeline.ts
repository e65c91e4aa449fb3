/**
 * The ingest pipeline, defined once: every step of a document's run in the order the workflow runs
 * it, with the activity that does it, where that activity runs, and what progress calls it. The
 * step type, the progress mapping (services/progress.ts) and the in-process runner
 * (activities/ingest.ts) are derived from this table; the workflow (workflows/ingest.ts) follows it.
 *
 * - `local`: a short database step, run by the workflow worker as a local activity.
 * - `lane`: run on the document's lane task queue (its own workers and concurrency).
 * - `path`: `main` for every document; `sections` for long PDFs on the deep lane; `ocr` for
 *   scans and images; `review` when the cartridge's gates ask for a person.
 */
export const ingestPipeline = [
  { step: 'classify', activity: 'classifyDocument', runs: 'local', path: 'main', label: 'classifying' },
  { step: 'parse', activity: 'parseDocument', runs: 'lane', path: 'main', label: 'parsing' },
  {
    step: 'sections',
    activity: 'parseSection',
    runs: 'lane',
    path: 'sections',
    label: 'parsing sections',
  },
  { step: 'join', activity: 'joinSections', runs: 'lane', path: 'sections', label: 'joining sections' },
  { step: 'reroute', activity: 'routeToOcr', runs: 'local', path: 'ocr', label: 'moving to the ocr lane' },
  { step: 'ocr', activity: 'ocrDocument', runs: 'lane', path: 'ocr', label: 'reading with OCR' },
  { step: 'pii', activity: 'scanPii', runs: 'lane', path: 'main', label: 'scanning for PII' },
  { step: 'chunk', activity: 'chunkDocument', runs: 'lane', path: 'main', label: 'chunking' },
  { step: 'embed', activity: 'embedChunks', runs: 'lane', path: 'main', label: 'embedding' },
  {
    step: 'extract',
    activity: 'assessEntities',
    runs: 'lane',
    path: 'main',
    label: 'extracting entities',
  },
  { step: 'review', activity: 'planReview', runs: 'local', path: 'main', label: 'awaiting review' },
  { step: 'graph', activity: 'mergeEntityGraph', runs: 'lane', path: 'main', label: 'merging the graph' },
  { step: 'index', activity: 'indexDocument', runs: 'local', path: 'main', label: 'indexing' },
  {
    step: 'cleanup',
    activity: 'removeSupersededVersions',
    runs: 'lane',
    path: 'main',
    label: 'removing older versions',
  },
  {
    step: 'handover',
    activity: 'startQueuedUpdate',
    runs: 'local',
    path: 'main',
    label: 'starting a queued update',
  },
] as const;

export type PipelineEntry = (typeof ingestPipeline)[number];

/** Step names: the step log, timings, events and progress use these. */
export type IngestStep = PipelineEntry['step'];

/** Activity names of the pipeline, each the activity of exactly one step. */
export type PipelineActivity = PipelineEntry['activity'];

/**
 * Activities that run several steps of the table in a row (activities/text.ts), by the first step
 * they may run: what a run shows before the activity's first heartbeat names its step.
 */
const multiStepActivities: Readonly<Record<string, IngestStep>> = { prepareText: 'parse' };

/** The step an activity performs (for the progress of a run read from Temporal's pending activity). */
export function stepOfActivity(activity: string): IngestStep | null {
  return (
    ingestPipeline.find((entry) => entry.activity === activity)?.step ?? multiStepActivities[activity] ?? null
  );
}

/** Whether `name` is a step of the pipeline (a heartbeat's details name one). */
export function isIngestStep(name: unknown): name is IngestStep {
  return ingestPipeline.some((entry) => entry.step === name);
}

/** The steps every document takes, in order. */
export const mainPath: readonly PipelineEntry[] = ingestPipeline.filter((entry) => entry.path === 'main');
