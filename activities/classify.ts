import { embeddingTaskQueue, laneTaskQueue } from '../domain/lanes';
import type { Cartridge } from '../domain/cartridge';
import type { IngestInput } from '../domain/documents';
import { MissionflowError } from '../domain/errors';
import { detectLanguage } from '../domain/language';
import { routeDocument } from '../domain/routing';
import { decodeText } from '../domain/text';
import { readPdfOpening } from '../adapters/parsers';
import type { DocumentRecord } from '../stores/relational/documents';
import type { IngestContext } from './ingest-context';

export interface ClassifyResult {
  documentClass: string;
  lane: string;
  taskQueue: string;
  /** Where the embed step runs (domain/lanes.ts). */
  embedTaskQueue: string;
  rule: string | null;
  /** Pages of a PDF (null otherwise, or when the PDF could not be read): the deep lane splits by it. */
  pageCount?: number | null;
}

/** Step `classify` (and `reroute`): the document's class and lane from the pinned cartridge. */
export function createClassifyActivities(context: IngestContext) {
  const { deps, runStep, loadRun } = context;

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
        const opening = await readPdfOpening(await deps.blobs.get(document.blobKey), cartridge.limits, {
          memoryLimitMb: deps.parserMemoryMb,
        });
        return { pageCount: opening.pageCount, language: detectLanguage(opening.text)?.language ?? null };
      }
      if (document.mediaType.startsWith('text/')) {
        const head = await deps.blobs.head(document.blobKey, 64 * 1024);
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

  return {
    async classifyDocument(input: IngestInput): Promise<ClassifyResult> {
      return runStep(input, 'classify', async () => {
        const { document, cartridge } = await loadRun(input);
        const opening = await openingOf(document, cartridge);
        const decision = routeDocument(cartridge, {
          mediaType: document.mediaType,
          sizeBytes: document.sizeBytes,
          title: document.title,
          metadata: document.metadata,
          ...opening,
        });
        await deps.documents.recordRouting(input.missionId, input.documentId, decision, opening);
        return {
          ...decision,
          pageCount: opening.pageCount,
          taskQueue: laneTaskQueue(decision.lane, deps.taskQueuePrefix),
          embedTaskQueue: embeddingTaskQueue(deps.taskQueuePrefix),
        };
      });
    },

    /**
     * A document whose text needs OCR moves to the ocr lane, if the mission's cartridge enables it;
     * the routing recorded on the document says so (rule `needs-ocr`).
     */
    async routeToOcr(input: IngestInput): Promise<ClassifyResult> {
      return runStep(input, 'reroute', async () => {
        const { document, cartridge } = await loadRun(input);
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
        await deps.documents.recordRouting(input.missionId, input.documentId, decision);
        return {
          ...decision,
          taskQueue: laneTaskQueue('ocr', deps.taskQueuePrefix),
          embedTaskQueue: embeddingTaskQueue(deps.taskQueuePrefix),
        };
      });
    },
  };
}
