import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClassifyResult, ParseResult, PiiScanResult } from '../activities/ingest';
import type { IngestInput, IngestResult } from '../domain/documents';
import type { IngestStep } from '../domain/pipeline';
import { planSections, sectionLimits } from '../domain/sections';
import type { Corrections } from '../domain/verification';
import { laneActivities, local, type LaneActivities } from './ingest-activities';
import { progressQuery, type IngestProgress } from './ingest-messages';
import { ReviewStep } from './review';
import { showRun } from './run-attributes';

/**
 * One document through the pipeline (domain/pipeline.ts): classify -> parse (in sections, or by
 * OCR) -> PII scan -> chunk -> embed -> extract and score consensus -> review, when the
 * cartridge's gates say so -> graph -> index -> clean-up -> hand over a queued update. Only
 * references and small step summaries pass through here (claim check); text and vectors stay in
 * the stores.
 */
export async function ingestDocument(input: IngestInput): Promise<IngestResult> {
  const progress: IngestProgress = { step: null, lane: null, review: null };
  setHandler(progressQuery, () => progress);
  const review = new ReviewStep(input, progress);

  /** Runs one step, so the progress query can say which is under way. */
  async function step<T>(name: IngestStep, work: () => Promise<T>): Promise<T> {
    progress.step = name;
    return work();
  }

  /** The lane's activities, moved to a new lane (classification, or a scan moving to ocr). */
  function enterLane(routing: ClassifyResult): LaneActivities {
    progress.lane = routing.lane;
    showRun({ documentClass: routing.documentClass, lane: routing.lane });
    return laneActivities(routing.taskQueue);
  }

  /** Parse: a long PDF on the deep lane in sections, in parallel; a scan or image by OCR. */
  async function parse(routing: ClassifyResult): Promise<ParseResult> {
    const pages = routing.pageCount ?? 0;
    const parsed =
      routing.lane === 'deep' && pages > sectionLimits.pagesPerSection
        ? await parseInSections(pages)
        : await step('parse', () => steps.parseDocument(input));
    if (!parsed.needsOcr) return parsed;
    steps = enterLane(await step('reroute', () => local.routeToOcr(input)));
    return step('ocr', () => steps.ocrDocument(input));
  }

  /**
   * The sections of a long PDF, at most `sectionLimits.inFlight` scheduled at once (the deep lane's
   * workers bound how many run), then joined. Sections finished before a crash are not read again.
   */
  async function parseInSections(pageCount: number): Promise<ParseResult> {
    const plan = planSections(pageCount);
    await step('sections', () =>
      forEachBounded(plan, sectionLimits.inFlight, (section) => steps.parseSection(input, section)),
    );
    return step('join', () => steps.joinSections(input, plan.length));
  }

  /** Review, when the gates ask for it: the corrections to apply, or null when rejected. */
  async function reviewIfNeeded(
    scanned: PiiScanResult,
    consensus: number,
  ): Promise<{ rejected: boolean; corrections?: Corrections }> {
    const plan = await local.planReview(input, { consensus, piiForReview: scanned.review });
    if (plan.reasons.length === 0) return { rejected: false };
    const decision = await step('review', () => review.awaitDecision(plan));
    if (decision.decision === 'reject') {
      await local.rejectDocument(input, decision.reason ?? 'rejected by a reviewer');
      return { rejected: true };
    }
    showRun({ status: 'processing' });
    const corrections = decision.decision === 'correct' ? decision.corrections : undefined;
    if (corrections && (corrections.documentClass !== undefined || corrections.labels !== undefined)) {
      await local.applyClassification(input, corrections);
    }
    if (corrections?.documentClass !== undefined) {
      documentClass = corrections.documentClass;
      showRun({ documentClass });
    }
    return { rejected: false, corrections };
  }

  /** As the run ends (indexed, rejected or failed, not cancelled): a queued update's run starts. */
  async function handOverQueuedUpdate(): Promise<void> {
    await step('handover', () => local.startQueuedUpdate(input));
    progress.step = null;
  }

  showRun({ status: 'processing' });
  let steps: LaneActivities;
  let documentClass = '';
  try {
    const routing = await step('classify', () => local.classifyDocument(input));
    documentClass = routing.documentClass;
    steps = enterLane(routing);
    const parsed = await parse(routing);
    const scanned = await step('pii', () => steps.scanPii(input, parsed.parsedKey));
    await step('chunk', () => steps.chunkDocument(input, scanned.parsedKey));
    await step('embed', () => steps.embedChunks(input));
    const assessed = await step('extract', () => steps.assessEntities(input));
    const reviewed = await reviewIfNeeded(scanned, assessed.score);
    if (reviewed.rejected) {
      showRun({ status: 'rejected' });
      await handOverQueuedUpdate();
      return {
        ...resultOf(input, progress.lane ?? routing.lane, documentClass),
        status: 'rejected',
        chunkCount: 0,
      };
    }
    await step('graph', () => steps.mergeEntityGraph(input, reviewed.corrections));
    const { chunkCount } = await step('index', () => local.indexDocument(input));
    await step('cleanup', () => steps.removeSupersededVersions(input));
    showRun({ status: 'indexed' });
    await handOverQueuedUpdate();
    return {
      ...resultOf(input, progress.lane ?? routing.lane, documentClass),
      status: 'indexed',
      chunkCount,
    };
  } catch (error) {
    if (isCancellation(error)) {
      // Record it even though this scope is cancelled, so the document does not stay `processing`
      // and its review, if one is open, leaves the queue.
      await CancellationScope.nonCancellable(async () => {
        const open = review.undecidedTaskId;
        if (open) await local.withdrawVerificationTask(input, open);
        await local.markDocumentCancelled(input);
      });
      showRun({ status: 'cancelled' });
      throw error;
    }
    const failure = rootApplicationFailure(error);
    // Typed failures keep their code; anything else (retries exhausted on a transient fault) says so.
    const code = failure?.type ?? 'internal';
    const message = failure?.message ?? (error instanceof Error ? error.message : String(error));
    log.warn('document failed', { code, message, workflowId: workflowInfo().workflowId });
    await local.markDocumentFailed(input, code, message);
    showRun({ status: 'failed' });
    await handOverQueuedUpdate();
    // Fail the run too, so the Web UI shows it as failed with the typed cause.
    throw ApplicationFailure.create({ message, type: code, nonRetryable: true, cause: failure ?? undefined });
  }
}

/** Runs `work` over `items`, at most `limit` at a time, in order of starting. */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

function resultOf(
  input: IngestInput,
  lane: string,
  documentClass: string,
): Pick<IngestResult, 'missionId' | 'documentId' | 'lane' | 'documentClass'> {
  return { missionId: input.missionId, documentId: input.documentId, lane, documentClass };
}

function rootApplicationFailure(error: unknown): ApplicationFailure | null {
  let current: unknown = error;
  while (current instanceof ActivityFailure) current = current.cause;
  return current instanceof ApplicationFailure ? current : null;
}
