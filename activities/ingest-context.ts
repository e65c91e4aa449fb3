import type { Cartridge } from '../domain/cartridge';
import type { IngestInput } from '../domain/documents';
import type { ParsedDocument } from '../domain/parsed';
import type { EmbedderChoice } from '../adapters/embedder-choice';
import type { LlmEntityExtractor } from '../adapters/llm-extractor';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { BlobStore } from '../stores/blobs/blob-store';
import type { SearchCache } from '../stores/cache/search-cache';
import type { GraphStore } from '../stores/graph/graph-store';
import type { CartridgeStore } from '../stores/relational/cartridges';
import type { DocumentRecord, DocumentStores } from '../stores/relational/documents';
import type { SectionStore } from '../stores/relational/sections';
import type { VectorStore } from '../stores/vectors/vector-store';
import { requireDocument, requirePinnedCartridge } from './run-inputs';
import { createStepRunner, type RunStep } from './step-runner';

/** What the ingest activities are made from: the stores and clients, wired by the worker. */
export interface IngestDependencies extends DocumentStores {
  /** The deep lane's record of the sections of long documents. */
  sections: SectionStore;
  cartridges: CartridgeStore;
  blobs: BlobStore;
  vectors: VectorStore;
  /** Invalidated when a mission's index changes, so no search answer outlives it. */
  cache: SearchCache;
  graph: GraphStore;
  /** Each mission's embedder, as its cartridge names it. */
  embedders: EmbedderChoice;
  logger: Logger;
  metrics: Metrics;
  taskQueuePrefix: string;
  embedBatchSize: number;
  /** Memory a PDF or DOCX parser process may use (see adapters/parsers/sandbox.ts). */
  parserMemoryMb: number;
  /** Where OCR finds its programs: TESSERACT_PATH and PATH (adapters/ocr). */
  ocrEnvironment: NodeJS.ProcessEnv;
  /** The optional language-model extractor; null when the process configures none. */
  llmExtractor?: LlmEntityExtractor | null;
  /** Starts (or joins) the run of a document's current version: a queued update's, when handed over. */
  startIngest: (document: DocumentRecord) => Promise<void>;
}

/** Where a step's parsed text is: the parse (or OCR, or PII) step's claim check, and its summary. */
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

/** What every step module receives: the dependencies and the helpers each step starts from. */
export interface IngestContext {
  deps: IngestDependencies;
  runStep: RunStep;
  loadDocument(input: IngestInput): Promise<DocumentRecord>;
  loadCartridge(input: IngestInput): Promise<Cartridge>;
  /** The document and the cartridge version its run is pinned to, read together. */
  loadRun(input: IngestInput): Promise<{ document: DocumentRecord; cartridge: Cartridge }>;
  readParsed(parsedKey: string): Promise<ParsedDocument>;
  /** Parsed text into the blob store (claim check), summarised as the step's result. */
  storeParsed(input: IngestInput, parsed: ParsedDocument, extra?: Partial<ParseResult>): Promise<ParseResult>;
}

export function createIngestContext(deps: IngestDependencies): IngestContext {
  const { documents, cartridges, blobs } = deps;
  const loadDocument = (input: IngestInput) => requireDocument(documents, input);
  const loadCartridge = (input: IngestInput) => requirePinnedCartridge(cartridges, input);
  return {
    deps,
    runStep: createStepRunner(deps),
    loadDocument,
    loadCartridge,
    async loadRun(input) {
      const [document, cartridge] = await Promise.all([loadDocument(input), loadCartridge(input)]);
      return { document, cartridge };
    },
    async readParsed(parsedKey) {
      return JSON.parse((await blobs.get(parsedKey)).toString('utf8')) as ParsedDocument;
    },
    async storeParsed(input, parsed, extra = {}) {
      const stored = await blobs.putBytes(Buffer.from(JSON.stringify(parsed)), input.missionId);
      return {
        parsedKey: stored.key,
        blocks: parsed.blocks.length,
        characters: parsed.blocks.reduce((sum, block) => sum + block.text.length, 0),
        encoding: null,
        ...extra,
      };
    },
  };
}
