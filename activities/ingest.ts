import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { chunkBlocks } from '../domain/chunking';
import type { IngestInput, IngestStep } from '../domain/documents';
import { MissionflowError } from '../domain/errors';
import { laneTaskQueue } from '../domain/lanes';
import type { ParsedDocument } from '../domain/parsed';
import { routeDocument } from '../domain/routing';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { BlobStore } from '../stores/blobs/blob-store';
import type { CartridgeStore } from '../stores/relational/cartridges';
import type { DocumentRecord, DocumentStore } from '../stores/relational/documents';
import type { SectionStore, SectionText } from '../stores/relational/sections';
import type { Cartridge } from '../domain/cartridge';
import type { Section } from '../domain/sections';
import type { VectorStore } from '../stores/vectors/vector-store';
import type { SearchCache } from '../stores/cache/search-cache';
import type { GraphStore } from '../stores/graph/graph-store';
import { extractEntities, type EntityDefinition } from '../domain/entities';
import { scoreConsensus } from '../domain/consensus';
import { localExtractorVotes } from '../domain/extractors';
import { compilePiiScanner, countPii, piiTypes, redactPii, type PiiType } from '../domain/pii';
import type { Corrections } from '../domain/verification';
import type { Embedder } from '../adapters/embedders';
import type { LlmEntityExtractor } from '../adapters/llm-extractor';
import { requireDocument, requirePinnedCartridge } from './run-inputs';
import { parseDocument, parsePdfSection, readPdfOpening } from '../adapters/parsers';
import { isImageMediaType, supportedMediaTypes, type SupportedMediaType } from '../domain/media-types';
import { decodeText, normaliseText } from '../domain/text';
import { detectLanguage } from '../domain/language';
import { ocrImage, ocrPdf, requireOcrEngine } from '../adapters/ocr/ocr';

export interface IngestDependencies {
  documents: DocumentStore;
  /** The deep lane's record of the sections of long documents. */
  sections: SectionStore;
  cartridges: CartridgeStore;
  blobs: BlobStore;
  vectors: VectorStore;
  /** Invalidated when a mission's index changes, so no search answer outlives it. */
  cache: SearchCache;
  graph: GraphStore;
  embedder: Embedder;
  logger: Logger;
  metrics: Metrics;
  taskQueuePrefix: string;
  embedBatchSize: number;
  /** Memory a PDF or DOCX parser process may use (see parsing/sandbox.ts). */
  parserMemoryMb: number;
  /** Where OCR finds its programs: TESSERACT_PATH and PATH (activities/parsing/ocr.ts). */
  ocrEnvironment: NodeJS.ProcessEnv;
  /** The optional language-model extractor; null when the process configures none. */
  llmExtractor?: LlmEntityExtractor | null;
  /** Starts (or joins) the run of a document's current version: a queued update's, when handed over. */
  startIngest: (document: DocumentRecord) => Promise<void>;
}

export interface ClassifyResult {
  documentClass: string;
  lane: string;
  taskQueue: string;
  rule: string | null;
  /** Pages of a PDF (null otherwise, or when the PDF could not be read): the deep lane splits by it. */
  pageCount?: number | null;
}

/** A section of a long PDF, read by the deep lane. */
export interface SectionResult {
  index: number;
  blocks: number;
  characters: number;
}
export interface ParseResult {
  parsedKey: string;
  blocks: number;
  characters: number;
  encoding: string | null;
  /** An image, or a PDF without a text layer: its text must come from OCR, on the ocr lane. */
  needsOcr?: boolean;
  /** Pages OCR read, and whether it stopped at its page limit. */
  pages?: number;
  truncated?: boolean;
}
export interface ChunkResult {
  chunkCount: number;
}
export interface EmbedResult {
  vectorCount: number;
  model: string;
}
export interface ExtractResult {
  entityCount: number;
  relationCount: number;
  /** Chunks where a per-chunk cap of the extractor applied (see domain/entities.ts). */
  truncatedChunks: number;
}

/** What the PII scan found, what it redacted, and which types the cartridge wants reviewed. */
export interface PiiScanResult {
  /** The parsed text to chunk: a redacted copy when anything was redacted (the upload is untouched). */
  parsedKey: string;
  found: Record<PiiType, number>;
  redacted: Record<PiiType, number>;
  review: PiiType[];
}

export interface AssessResult {
  /** The extractors' agreement in [0, 1] (domain/consensus.ts). */
  score: number;
  candidates: number;
  extractors: string[];
}

export interface GraphResult {
  entityCount: number;
  relationCount: number;
  truncatedChunks: number;
  corrected: boolean;
}

export interface IndexResult {
  chunkCount: number;
}

/**
 * The ingest pipeline's activities. Every step looks up its own recorded result first, so a step
 * that finished before a crash (even if Temporal never heard it finish) is not done again; its
 * writes are keyed deterministically, so a step interrupted half-way can safely run again.
 */
export function createIngestActivities(deps: IngestDependencies) {
  const { documents, sections, cartridges, blobs, vectors, cache, graph, embedder, metrics } = deps;

  const loadDocument = (input: IngestInput) => requireDocument(documents, input);
  const loadCartridge = (input: IngestInput) => requirePinnedCartridge(cartridges, input);

  /**
   * What routing reads of the content: a PDF's page count and the language of its opening text
   * (a text document's first 64 KB, a PDF's first page). A document that cannot be read here is
   * routed without them; its parse step then fails it with the reason.
   */
  async function openingOf(
    document: DocumentRecord,
    cartridge: Cartridge,
  ): Promise<{ pageCount: number | null; language: string | null }> {
    try {
      if (document.mediaType === 'application/pdf') {
        const opening = await readPdfOpening(await blobs.get(document.blobKey), cartridge.limits, {
          memoryLimitMb: deps.parserMemoryMb,
        });
        return { pageCount: opening.pageCount, language: detectLanguage(opening.text)?.language ?? null };
      }
      if (document.mediaType.startsWith('text/')) {
        const head = await blobs.head(document.blobKey, 64 * 1024);
        return { pageCount: null, language: detectLanguage(decodeText(head).text)?.language ?? null };
      }
    } catch (error) {
      deps.logger.warn(
        { err: error, documentId: document.documentId },
        'could not read the opening of a document',
      );
    }
    return { pageCount: null, language: null };
  }

  /** Parsed text into the blob store (claim check), summarised as the parse step's result. */
  async function storeParsed(
    input: IngestInput,
    parsed: ParsedDocument,
    extra: Partial<ParseResult> = {},
  ): Promise<ParseResult> {
    const stored = await blobs.putBytes(Buffer.from(JSON.stringify(parsed)), input.missionId);
    return {
      parsedKey: stored.key,
      blocks: parsed.blocks.length,
      characters: parsed.blocks.reduce((sum, block) => sum + block.text.length, 0),
      encoding: null,
      ...extra,
    };
  }

  /** Runs a step once: returns the recorded result if it finished, else executes and records it. */
  async function runStep<T>(input: IngestInput, step: IngestStep, work: () => Promise<T>): Promise<T> {
    const recorded = await documents.stepResult<T>(input.missionId, input.documentId, step);
    if (recorded !== null) return recorded;
    const log = deps.logger.child({ missionId: input.missionId, documentId: input.documentId, step });
    await documents.beginStep(input.missionId, input.documentId, step);
    const stopTimer = metrics.stepDuration.startTimer({ mission: input.missionId, step });
    try {
      const result = await heartbeatWhile(work);
      await documents.completeStep(input.missionId, input.documentId, step, result);
      stopTimer();
      log.info({ result }, 'step finished');
      return result;
    } catch (error) {
      stopTimer();
      const failure = toTemporalFailure(error);
      await documents.failStep(
        input.missionId,
        input.documentId,
        step,
        `${failure.type ?? 'error'}: ${failure.message}`,
      );
      log.warn({ err: error, code: failure.type, retryable: !failure.nonRetryable }, 'step failed');
      throw failure;
    }
  }

  return {
    async classifyDocument(input: IngestInput): Promise<ClassifyResult> {
      return runStep(input, 'classify', async () => {
        const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
        const opening = await openingOf(document, cartridge);
        const decision = routeDocument(cartridge, {
          mediaType: document.mediaType,
          sizeBytes: document.sizeBytes,
          title: document.title,
          metadata: document.metadata,
          ...opening,
        });
        await documents.recordRouting(input.missionId, input.documentId, decision, opening);
        return {
          ...decision,
          pageCount: opening.pageCount,
          taskQueue: laneTaskQueue(decision.lane, deps.taskQueuePrefix),
        };
      });
    },

    async parseDocument(input: IngestInput): Promise<ParseResult> {
      return runStep(input, 'parse', async () => {
        const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
        if (!(supportedMediaTypes as readonly string[]).includes(document.mediaType)) {
          throw new MissionflowError('unsupported_media_type', `cannot parse ${document.mediaType}`);
        }
        const needsOcr = { parsedKey: '', blocks: 0, characters: 0, encoding: null, needsOcr: true };
        if (isImageMediaType(document.mediaType)) return needsOcr;
        const bytes = await blobs.get(document.blobKey);
        let outcome;
        try {
          outcome = await parseDocument(bytes, document.mediaType as SupportedMediaType, cartridge.limits, {
            memoryLimitMb: deps.parserMemoryMb,
            signal: remoteActivityContext()?.cancellationSignal,
          });
        } catch (error) {
          // A PDF with no text layer is a scan: not a failure, a document for the OCR lane.
          const textless = error instanceof MissionflowError && error.code === 'no_text';
          if (textless && document.mediaType === 'application/pdf') return needsOcr;
          throw error;
        }
        const parsed: ParsedDocument = {
          ...outcome.document,
          title: document.title ?? outcome.document.title,
        };
        await documents.recordEncoding(input.missionId, input.documentId, outcome.encoding);
        return storeParsed(input, parsed, { encoding: outcome.encoding });
      });
    },

    /**
     * Reads an image or a scanned PDF with OCR (Tesseract), into the same parsed form the parsers
     * give. Runs on the ocr lane; a worker without an engine fails the document with
     * `ocr_unavailable`, naming what to install, never with empty text.
     */
    async ocrDocument(input: IngestInput): Promise<ParseResult> {
      return runStep(input, 'ocr', async () => {
        const document = await loadDocument(input);
        const image = isImageMediaType(document.mediaType);
        const engine = await requireOcrEngine({ pdf: !image }, deps.ocrEnvironment);
        const bytes = await blobs.get(document.blobKey);
        const options = {
          engine,
          memoryLimitMb: deps.parserMemoryMb,
          signal: remoteActivityContext()?.cancellationSignal,
          onProgress: (progress: unknown) => heartbeat(progress),
        };
        const read = image ? await ocrImage(bytes, options) : await ocrPdf(bytes, options);
        const blocks = read.blocks
          .map((block) => ({ kind: 'paragraph' as const, text: normaliseText(block.text) }))
          .filter((block) => block.text.length > 0);
        if (blocks.length === 0) throw new MissionflowError('no_text', 'OCR found no text in the document');
        const parsed: ParsedDocument = { title: document.title ?? read.title, blocks };
        return storeParsed(input, parsed, { pages: read.pageCount, truncated: read.truncated });
      });
    },

    /**
     * A document whose text needs OCR moves to the ocr lane, if the mission's cartridge enables it;
     * the routing recorded on the document says so (rule `needs-ocr`).
     */
    async routeToOcr(input: IngestInput): Promise<ClassifyResult> {
      const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
      if (!cartridge.lanes.includes('ocr')) {
        throw new MissionflowError(
          'ocr_unavailable',
          `this ${document.mediaType} document needs OCR, and mission ${input.missionId} does not enable the ocr lane`,
        );
      }
      const decision = {
        documentClass: document.documentClass ?? cartridge.routing.defaultClass,
        lane: 'ocr',
        rule: 'needs-ocr',
        confidence: document.classConfidence ?? cartridge.routing.defaultConfidence,
      };
      await documents.recordRouting(input.missionId, input.documentId, decision);
      return { ...decision, taskQueue: laneTaskQueue('ocr', deps.taskQueuePrefix) };
    },

    /**
     * One section of a long PDF (the deep lane), read in the sandbox and recorded with its text.
     * A section recorded as done is never read again, so a run resumed after a crash reads only
     * the sections that were not finished.
     */
    async parseSection(input: IngestInput, section: Section): Promise<SectionResult> {
      const summary = (text: SectionText) => ({
        index: section.index,
        blocks: text.blocks.length,
        characters: text.blocks.reduce((sum, block) => sum + block.text.length, 0),
      });
      const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
      const { contentVersion } = document;
      const done = await sections.result(input.missionId, input.documentId, contentVersion, section.index);
      if (done) return summary(done);
      await sections.begin(input.missionId, input.documentId, contentVersion, section);
      const text = await heartbeatWhile(async () => {
        const parsed = await parsePdfSection(
          await blobs.get(document.blobKey),
          { first: section.firstPage, last: section.lastPage },
          cartridge.limits,
          { memoryLimitMb: deps.parserMemoryMb, signal: remoteActivityContext()?.cancellationSignal },
        );
        return { title: parsed.title, blocks: parsed.blocks };
      });
      await sections.complete(input.missionId, input.documentId, contentVersion, section.index, text);
      return summary(text);
    },

    /**
     * The sections' text joined in page order: the parse step's result for a long PDF. No text in
     * any section means a scan, for the OCR lane.
     */
    async joinSections(input: IngestInput, sectionCount: number): Promise<ParseResult> {
      return runStep(input, 'parse', async () => {
        const document = await loadDocument(input);
        const texts = await sections.texts(input.missionId, input.documentId, document.contentVersion);
        if (texts.length !== sectionCount) {
          throw new Error(
            `${texts.length} of ${sectionCount} sections are done; all are needed to join them`,
          );
        }
        const blocks = texts.flatMap((text) => text.blocks);
        if (blocks.length === 0)
          return { parsedKey: '', blocks: 0, characters: 0, encoding: null, needsOcr: true };
        const parsed: ParsedDocument = { title: document.title ?? texts[0]?.title ?? null, blocks };
        return storeParsed(input, parsed, { pages: document.pageCount ?? undefined });
      });
    },

    async chunkDocument(input: IngestInput, parsedKey: string): Promise<ChunkResult> {
      return runStep(input, 'chunk', async () => {
        const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
        const parsed = JSON.parse((await blobs.get(parsedKey)).toString('utf8')) as ParsedDocument;
        const chunks = chunkBlocks(parsed.blocks, cartridge.chunking);
        await documents.insertChunks(
          input.missionId,
          input.documentId,
          document.contentVersion,
          chunks,
          cartridge.search.language,
        );
        return { chunkCount: chunks.length };
      });
    },

    async embedChunks(input: IngestInput): Promise<EmbedResult> {
      return runStep(input, 'embed', async () => {
        const document = await loadDocument(input);
        let vectorCount = 0;
        for (;;) {
          const batch = await documents.chunksToEmbed(
            input.missionId,
            input.documentId,
            document.contentVersion,
            embedder.model,
            deps.embedBatchSize,
          );
          if (batch.length === 0) break;
          // The step already heartbeats; the signal aborts the request if the activity is cancelled.
          const vectorsOut = await embedder.embed(
            batch.map((chunk) => (chunk.heading ? `${chunk.heading}\n${chunk.text}` : chunk.text)),
            remoteActivityContext()?.cancellationSignal,
          );
          await vectors.upsert(
            input.missionId,
            embedder.model,
            batch.map((chunk, i) => ({
              chunkId: chunk.chunkId,
              documentId: input.documentId,
              contentVersion: document.contentVersion,
              chunkIndex: chunk.chunkIndex,
              vector: vectorsOut[i] ?? [],
            })),
          );
          // Only after the vectors are stored: a crash in between re-sends this batch, never skips it.
          await documents.markEmbedded(
            input.missionId,
            batch.map((chunk) => chunk.chunkId),
            embedder.model,
          );
          vectorCount += batch.length;
          heartbeat({ vectorCount });
        }
        return { vectorCount, model: embedder.model };
      });
    },

    /**
     * The cartridge's entity definitions over the document's chunks; entities and their
     * co-occurrences replace this content version's part of the mission graph (idempotent).
     */
    async extractEntities(input: IngestInput): Promise<ExtractResult> {
      return runStep(input, 'extract', async () => {
        const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
        const chunks = await documents.chunkTexts(input.missionId, input.documentId, document.contentVersion);
        const found = extractEntities(cartridge.entities, chunks);
        await graph.upsertDocument(input.missionId, {
          documentId: input.documentId,
          contentVersion: document.contentVersion,
          entities: found.entities,
          relations: found.relations,
        });
        return {
          entityCount: found.entities.length,
          relationCount: found.relations.length,
          truncatedChunks: found.truncated.chunks.length,
        };
      });
    },

    /**
     * Scans the parsed text for PII and applies the cartridge's policy per type: `redact` replaces
     * it in a copy of the parsed text, which everything downstream (chunks, vectors, graph) is made
     * from; the uploaded blob keeps the original. `review` sends the document to a person.
     */
    async scanPii(input: IngestInput, parsedKey: string): Promise<PiiScanResult> {
      return runStep(input, 'pii', async () => {
        const cartridge = await loadCartridge(input);
        const parsed = JSON.parse((await blobs.get(parsedKey)).toString('utf8')) as ParsedDocument;
        const scan = compilePiiScanner(cartridge.pii.nationalIds);
        const policy = cartridge.pii.policy;
        const redactTypes = new Set(piiTypes.filter((type) => policy[type] === 'redact'));
        const found = countPii([]);
        const redacted = countPii([]);
        const blocks = parsed.blocks.map((block) => {
          const findings = scan(block.text);
          if (findings.length === 0) return block;
          for (const finding of findings) {
            found[finding.type] += 1;
            if (redactTypes.has(finding.type)) redacted[finding.type] += 1;
          }
          return redactTypes.size > 0
            ? { ...block, text: redactPii(block.text, findings, redactTypes) }
            : block;
        });
        const anyRedacted = piiTypes.some((type) => redacted[type] > 0);
        const textKey = anyRedacted
          ? (await blobs.putBytes(Buffer.from(JSON.stringify({ ...parsed, blocks })), input.missionId)).key
          : parsedKey;
        const review = piiTypes.filter((type) => policy[type] === 'review' && found[type] > 0);
        const result = { parsedKey: textKey, found, redacted, review };
        await documents.recordQuality(input.missionId, input.documentId, {
          pii: { found, redacted, review },
        });
        return result;
      });
    },

    /**
     * The independent extractors over the document's chunks, and their agreement: stored with the
     * document (shown by the API) and returned for the review gate. Writes nothing to the graph:
     * that waits for the review (mergeEntityGraph).
     */
    async assessEntities(input: IngestInput): Promise<AssessResult> {
      return runStep(input, 'extract', async () => {
        const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
        const chunks = await documents.chunkTexts(input.missionId, input.documentId, document.contentVersion);
        const types = cartridge.entities.map((definition) => definition.type);
        const votes = localExtractorVotes(cartridge, chunks);
        const llm = deps.llmExtractor;
        let llmReport: { model: string; invalidAnswers: number; truncated: boolean } | undefined;
        if (llm && cartridge.extraction.weights.llm > 0 && types.length > 0) {
          const asked = await llm.extract(chunks, types, remoteActivityContext()?.cancellationSignal);
          votes.push({
            name: 'llm',
            weight: cartridge.extraction.weights.llm,
            general: true,
            types,
            result: asked.result,
          });
          llmReport = { model: llm.model, invalidAnswers: asked.invalidAnswers, truncated: asked.truncated };
        }
        const consensus = { ...scoreConsensus(votes, types), ...(llmReport ? { llm: llmReport } : {}) };
        await documents.recordQuality(input.missionId, input.documentId, { consensus });
        return {
          score: consensus.score,
          candidates: consensus.entities.length + consensus.omitted,
          extractors: consensus.extractors.map((extractor) => extractor.name),
        };
      });
    },

    /**
     * The cartridge's entities (and a reviewer's corrections: entities added are looked for in the
     * text as terms, entities removed are left out) replace this content version's part of the
     * mission graph. Idempotent, like extractEntities, which it supersedes.
     */
    async mergeEntityGraph(input: IngestInput, corrections?: Corrections): Promise<GraphResult> {
      return runStep(input, 'graph', async () => {
        const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
        const chunks = await documents.chunkTexts(input.missionId, input.documentId, document.contentVersion);
        const added: EntityDefinition[] = (corrections?.entities?.add ?? []).map((entity) => ({
          type: entity.type,
          terms: [entity.name],
        }));
        const found = extractEntities([...cartridge.entities, ...added], chunks);
        const removed = new Set(
          (corrections?.entities?.remove ?? []).map(
            (entity) => `${entity.type}\u0000${entity.key.toLowerCase()}`,
          ),
        );
        const kept = (ref: { type: string; key: string }) =>
          !removed.has(`${ref.type}\u0000${ref.key.toLowerCase()}`);
        const entities = found.entities.filter(kept);
        const relations = found.relations.filter((relation) => kept(relation.from) && kept(relation.to));
        await graph.upsertDocument(input.missionId, {
          documentId: input.documentId,
          contentVersion: document.contentVersion,
          entities,
          relations,
        });
        return {
          entityCount: entities.length,
          relationCount: relations.length,
          truncatedChunks: found.truncated.chunks.length,
          corrected: corrections !== undefined,
        };
      });
    },

    /**
     * After the new content version is indexed (and searchable in its place), what is left of older
     * versions goes: vectors, graph contributions, chunks, and blobs nothing else uses. Idempotent.
     */
    async removeSupersededVersions(input: IngestInput): Promise<{ blobsRemoved: number }> {
      const document = await loadDocument(input);
      // Only the run of the current version cleans up: a run whose version was since replaced
      // must not remove what the newer one writes.
      const thisRun = remoteActivityContext()?.info.workflowExecution?.workflowId;
      if (document.status !== 'indexed' || document.workflowId !== thisRun) return { blobsRemoved: 0 };
      const keep = { exceptContentVersion: document.contentVersion };
      await vectors.removeDocument(input.missionId, input.documentId, keep);
      await graph.removeDocument(input.missionId, input.documentId, keep);
      const keys = await documents.removeSupersededChunks(
        input.missionId,
        input.documentId,
        document.contentVersion,
      );
      let blobsRemoved = 0;
      for (const key of keys) {
        if (await documents.blobInUse(input.missionId, key)) continue;
        await blobs.delete(key);
        blobsRemoved++;
      }
      await documents.forgetSupersededBlobs(input.missionId, input.documentId, keys);
      return { blobsRemoved };
    },

    async indexDocument(input: IngestInput): Promise<IndexResult> {
      return runStep(input, 'index', async () => {
        const document = await loadDocument(input);
        const chunkCount = await documents.markIndexed(
          input.missionId,
          input.documentId,
          document.contentVersion,
        );
        // Search answers cached before this point no longer describe the mission's index.
        await cache.invalidateMission(input.missionId);
        metrics.documentsIngested.inc({ mission: input.missionId });
        return { chunkCount };
      });
    },

    async markDocumentCancelled(input: IngestInput): Promise<void> {
      await documents.markCancelled(input.missionId, input.documentId);
      deps.logger.info(
        { missionId: input.missionId, documentId: input.documentId },
        'document run cancelled',
      );
    },

    async markDocumentFailed(input: IngestInput, code: string, message: string): Promise<void> {
      await documents.markFailed(input.missionId, input.documentId, code, message);
      metrics.documentsFailed.inc({ mission: input.missionId, code });
      deps.logger.warn(
        { missionId: input.missionId, documentId: input.documentId, code, message },
        'document failed',
      );
    },

    /**
     * The run's last step: an update queued while it ran becomes the next content version, and
     * that version's run is started. Idempotent (a retry starts the same run); a queued update that
     * misses this (a crash) is handed over by the API's periodic sweep instead.
     */
    async startQueuedUpdate(input: IngestInput): Promise<{ workflowId: string | null }> {
      const endingRun = Context.current().info.workflowExecution?.workflowId;
      if (!endingRun) return { workflowId: null };
      const next = await documents.takeQueuedUpdate(input.missionId, input.documentId, endingRun);
      if (!next) return { workflowId: null };
      await deps.startIngest(next);
      deps.logger.info(
        { missionId: input.missionId, documentId: input.documentId, contentVersion: next.contentVersion },
        'queued update handed over',
      );
      return { workflowId: next.workflowId };
    },
  };
}

export type IngestActivities = ReturnType<typeof createIngestActivities>;

/**
 * The pipeline's steps in the workflow's order (with no review), called directly without Temporal: the benchmark's
 * in-process baseline and store-level tests. The workflow (workflows/ingest.ts) is what runs them.
 */
export async function ingestInProcess(activities: IngestActivities, input: IngestInput): Promise<void> {
  await activities.classifyDocument(input);
  const parsed = await activities.parseDocument(input);
  const scanned = await activities.scanPii(input, parsed.parsedKey);
  await activities.chunkDocument(input, scanned.parsedKey);
  await activities.embedChunks(input);
  await activities.assessEntities(input);
  await activities.mergeEntityGraph(input);
  await activities.indexDocument(input);
}

/** Typed domain errors become non-retryable failures whose type is the error code. */
function toTemporalFailure(error: unknown): ApplicationFailure {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof MissionflowError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.code,
      nonRetryable: !error.retryable,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return ApplicationFailure.create({
    message,
    type: 'transient',
    nonRetryable: false,
    cause: error as Error,
  });
}

/** The current remote activity's context; null in local activities and outside Temporal. */
function remoteActivityContext(): Context | null {
  try {
    const context = Context.current();
    return context.info.isLocal ? null : context;
  } catch {
    return null;
  }
}

function heartbeat(details?: unknown): void {
  remoteActivityContext()?.heartbeat(details);
}

/**
 * Heartbeats every few seconds while a step runs, so a worker that died mid-step is noticed within
 * the heartbeat timeout instead of the whole start-to-close timeout.
 */
async function heartbeatWhile<T>(work: () => Promise<T>): Promise<T> {
  const context = remoteActivityContext();
  if (!context) return work();
  context.heartbeat();
  const timer = setInterval(() => context.heartbeat(), 3_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
