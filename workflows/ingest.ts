import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  patched,
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
  return new IngestRun(input).run();
}

/** One run's state (progress, lane, class, review) and its steps, in the diagram's order. */
class IngestRun {
  private readonly progress: IngestProgress = { step: null, lane: null, review: null };
  private readonly review: ReviewStep;
  /** The lane's activities: set by classification, moved once more if a scan goes to ocr. */
  private steps: LaneActivities | null = null;
  private embeddingSteps: LaneActivities | null = null;
  private documentClass = '';

  constructor(private readonly input: IngestInput) {
    setHandler(progressQuery, () => this.progress);
    this.review = new ReviewStep(input, this.progress);
  }

  async run(): Promise<IngestResult> {
    const { input } = this;
    showRun({ status: 'processing' });
    try {
      const routing = await this.step('classify', () => local.classifyDocument(input));
      this.documentClass = routing.documentClass;
      this.enterLane(routing);
      const lean = patched(leanStepsPatch);
      const scanned = lean ? await this.prepareText(routing) : await this.textStepByStep(routing);
      await this.step('embed', () => this.embedding().embedChunks(input));
      const assessed = await this.step('extract', () => this.lane().assessEntities(input));
      const reviewed = await this.reviewIfNeeded(scanned, assessed.score);
      if (reviewed.rejected) {
        showRun({ status: 'rejected' });
        await this.handOverQueuedUpdate();
        return { ...this.result(routing), status: 'rejected', chunkCount: 0 };
      }
      await this.step('graph', () => this.lane().mergeEntityGraph(input, reviewed.corrections));
      const { chunkCount, supersededVersions } = await this.step('index', () => local.indexDocument(input));
      // A first version leaves nothing older to remove: no round trip to the lane for nothing.
      if (!lean || supersededVersions !== false) {
        await this.step('cleanup', () => this.lane().removeSupersededVersions(input));
      }
      showRun({ status: 'indexed' });
      await this.handOverQueuedUpdate();
      return { ...this.result(routing), status: 'indexed', chunkCount };
    } catch (error) {
      return this.fail(error);
    }
  }

  /** Runs one step, so the progress query can say which is under way. */
  private async step<T>(name: IngestStep, work: () => Promise<T>): Promise<T> {
    this.progress.step = name;
    return work();
  }

  private lane(): LaneActivities {
    if (!this.steps) throw new Error('no lane before classification');
    return this.steps;
  }

  /** The embedding task queue's activities (domain/lanes.ts: embeddingTaskQueue). */
  private embedding(): LaneActivities {
    if (!this.embeddingSteps) throw new Error('no embedding queue before classification');
    return this.embeddingSteps;
  }

  /** The lane's activities, moved to a new lane (classification, or a scan moving to ocr). */
  private enterLane(routing: ClassifyResult): void {
    this.progress.lane = routing.lane;
    showRun({ documentClass: routing.documentClass, lane: routing.lane });
    this.steps = laneActivities(routing.taskQueue);
    this.embeddingSteps = laneActivities(routing.embedTaskQueue);
  }

  /**
   * Parse, PII scan and chunk, as one activity on the lane (activities/text.ts). A long PDF on the
   * deep lane is read in sections first, a scan or image by OCR; the rest runs on the text read.
   */
  private async prepareText(routing: ClassifyResult): Promise<PiiScanResult> {
    const pages = routing.pageCount ?? 0;
    let read: ParseResult | null = null;
    if (routing.lane === 'deep' && pages > sectionLimits.pagesPerSection) {
      read = await this.parseInSections(pages);
    } else {
      const text = await this.step('parse', () => this.lane().prepareText(this.input, null));
      if (!text.needsOcr) return text.scanned;
    }
    if (!read || read.needsOcr) read = await this.readByOcr();
    const { parsedKey } = read;
    const text = await this.step('pii', () => this.lane().prepareText(this.input, parsedKey));
    if (text.needsOcr) {
      // Text already read is never sent back to OCR: a worker that says so runs other code.
      throw ApplicationFailure.create({
        message: 'text already read was sent back to OCR',
        nonRetryable: true,
      });
    }
    return text.scanned;
  }

  /** The same steps as runs started before `leanStepsPatch` took them: one activity each. */
  private async textStepByStep(routing: ClassifyResult): Promise<PiiScanResult> {
    const pages = routing.pageCount ?? 0;
    let parsed =
      routing.lane === 'deep' && pages > sectionLimits.pagesPerSection
        ? await this.parseInSections(pages)
        : await this.step('parse', () => this.lane().parseDocument(this.input));
    if (parsed.needsOcr) parsed = await this.readByOcr();
    const { parsedKey } = parsed;
    const scanned = await this.step('pii', () => this.lane().scanPii(this.input, parsedKey));
    await this.step('chunk', () => this.lane().chunkDocument(this.input, scanned.parsedKey));
    return scanned;
  }

  /** A scan or image: moved to the ocr lane and read there. */
  private async readByOcr(): Promise<ParseResult> {
    this.enterLane(await this.step('reroute', () => local.routeToOcr(this.input)));
    return this.step('ocr', () => this.lane().ocrDocument(this.input));
  }

  /**
   * The sections of a long PDF, at most `sectionLimits.inFlight` scheduled at once (the deep lane's
   * workers bound how many run), then joined. Sections finished before a crash are not read again.
   */
  private async parseInSections(pageCount: number): Promise<ParseResult> {
    const plan = planSections(pageCount);
    const steps = this.lane();
    await this.step('sections', () =>
      forEachBounded(plan, sectionLimits.inFlight, (section) => steps.parseSection(this.input, section)),
    );
    return this.step('join', () => steps.joinSections(this.input, plan.length));
  }

  /** Review, when the gates ask for it: rejected, or the corrections to apply. */
  private async reviewIfNeeded(
    scanned: PiiScanResult,
    consensus: number,
  ): Promise<{ rejected: boolean; corrections?: Corrections }> {
    const { input } = this;
    const plan = await local.planReview(input, { consensus, piiForReview: scanned.review });
    if (plan.reasons.length === 0) return { rejected: false };
    const decision = await this.step('review', () => this.review.awaitDecision(plan));
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
      this.documentClass = corrections.documentClass;
      showRun({ documentClass: this.documentClass });
    }
    return { rejected: false, corrections };
  }

  /** As the run ends (indexed, rejected or failed, not cancelled): a queued update's run starts. */
  private async handOverQueuedUpdate(): Promise<void> {
    await this.step('handover', () => local.startQueuedUpdate(this.input));
    this.progress.step = null;
  }

  private result(
    routing: ClassifyResult,
  ): Pick<IngestResult, 'missionId' | 'documentId' | 'lane' | 'documentClass'> {
    const { missionId, documentId } = this.input;
    return {
      missionId,
      documentId,
      lane: this.progress.lane ?? routing.lane,
      documentClass: this.documentClass,
    };
  }

  /**
   * A cancelled run records it and withdraws its open review; any other failure marks the document
   * failed with its typed code, hands over a queued update, and fails the run with the typed cause
   * (so the Web UI shows it as failed).
   */
  private async fail(error: unknown): Promise<never> {
    const { input } = this;
    if (isCancellation(error)) {
      // Recorded even though this scope is cancelled, so the document does not stay `processing`
      // and its review, if one is open, leaves the queue.
      await CancellationScope.nonCancellable(async () => {
        const open = this.review.undecidedTaskId;
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
    await this.handOverQueuedUpdate();
    throw ApplicationFailure.create({ message, type: code, nonRetryable: true, cause: failure ?? undefined });
  }
}

/**
 * Runs from this patch on take parse, PII scan and chunk in one activity, and skip the clean-up
 * step when the index step finds no older version (README: how a workflow changes).
 */
const leanStepsPatch = 'lean-text-steps';

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

function rootApplicationFailure(error: unknown): ApplicationFailure | null {
  let current: unknown = error;
  while (current instanceof ActivityFailure) current = current.cause;
  return current instanceof ApplicationFailure ? current : null;
}
