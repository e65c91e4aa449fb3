import type { IngestInput } from '../domain/documents';
import { MissionflowError } from '../domain/errors';
import { isImageMediaType, supportedMediaTypes, type SupportedMediaType } from '../domain/media-types';
import type { ParsedDocument } from '../domain/parsed';
import { normaliseText } from '../domain/text';
import { ocrImage, ocrPdf, requireOcrEngine } from '../adapters/ocr/ocr';
import { parseDocument } from '../adapters/parsers';
import type { IngestContext, ParseResult } from './ingest-context';
import { cancellationSignal, heartbeat } from './step-runner';

/** What a document that must be read by OCR answers from its parse step. */
const needsOcr: ParseResult = { parsedKey: '', blocks: 0, characters: 0, encoding: null, needsOcr: true };

/** Steps `parse` and `ocr`: the document's text, into the blob store as parsed blocks. */
export function createParseActivities(context: IngestContext) {
  const { deps, runStep, loadRun, loadDocument, storeParsed } = context;

  return {
    async parseDocument(input: IngestInput): Promise<ParseResult> {
      return runStep(input, 'parse', async () => {
        const { document, cartridge } = await loadRun(input);
        if (!(supportedMediaTypes as readonly string[]).includes(document.mediaType)) {
          throw new MissionflowError('unsupported_media_type', `cannot parse ${document.mediaType}`);
        }
        if (isImageMediaType(document.mediaType)) return needsOcr;
        const bytes = await deps.blobs.get(document.blobKey);
        let outcome;
        try {
          outcome = await parseDocument(bytes, document.mediaType as SupportedMediaType, cartridge.limits, {
            memoryLimitMb: deps.parserMemoryMb,
            signal: cancellationSignal(),
          });
        } catch (error) {
          // A PDF with no text layer is a scan: not a failure, a document for the OCR lane.
          const textless = error instanceof MissionflowError && error.code === 'no_text';
          if (textless && document.mediaType === 'application/pdf') return needsOcr;
          throw error;
        }
        const parsed: ParsedDocument = {
          ...outcome.document,
          // The content's own title (an HTML <title>) before the one given at intake (perhaps a file name).
          title: outcome.document.title ?? document.title,
        };
        await deps.documents.recordEncoding(input.missionId, input.documentId, outcome.encoding);
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
        const bytes = await deps.blobs.get(document.blobKey);
        const options = {
          engine,
          memoryLimitMb: deps.parserMemoryMb,
          signal: cancellationSignal(),
          onProgress: (progress: unknown) => heartbeat(progress),
        };
        const read = image ? await ocrImage(bytes, options) : await ocrPdf(bytes, options);
        const blocks = read.blocks
          .map((block) => ({ kind: 'paragraph' as const, text: normaliseText(block.text) }))
          .filter((block) => block.text.length > 0);
        if (blocks.length === 0) throw new MissionflowError('no_text', 'OCR found no text in the document');
        const parsed: ParsedDocument = { title: read.title ?? document.title, blocks };
        return storeParsed(input, parsed, { pages: read.pageCount, truncated: read.truncated });
      });
    },
  };
}
