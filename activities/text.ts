import type { IngestInput } from '../domain/documents';
import type { ChunkResult } from './chunk';
import type { ParseResult } from './ingest-context';
import type { PiiScanResult } from './pii';

/** What the text steps answer: the scan and chunk results, or that the document must go to OCR. */
export type TextResult =
  | { needsOcr: true }
  | { needsOcr?: false; parsed: ParseResult | null; scanned: PiiScanResult; chunked: ChunkResult };

/** The steps `prepareText` runs, as the parse, PII and chunk modules make them. */
export interface TextSteps {
  parseDocument(input: IngestInput): Promise<ParseResult>;
  scanPii(input: IngestInput, parsedKey: string): Promise<PiiScanResult>;
  chunkDocument(input: IngestInput, parsedKey: string): Promise<ChunkResult>;
}

/**
 * Steps `parse`, `pii` and `chunk` as one activity on the document's lane: one task-queue round trip
 * and three history events where they took three and nine, for steps of milliseconds each. Each
 * step is still its own entry in the step log, so a retried activity resumes after the last step
 * that finished (the log is the checkpoint, kept in the database whatever becomes of the attempt),
 * and each heartbeats its name (step-runner.ts), so the Web UI and a run's progress show which one
 * runs.
 */
export function createTextActivities(steps: TextSteps) {
  return {
    /**
     * The document's text, scanned and chunked. `parsedKey` is text already read (by OCR, or a
     * long PDF's joined sections); null parses the upload, and a document that parsing finds needs
     * OCR is answered as such, for the workflow to move it to the ocr lane.
     */
    async prepareText(input: IngestInput, parsedKey: string | null): Promise<TextResult> {
      let parsed: ParseResult | null = null;
      let textKey = parsedKey;
      if (textKey === null) {
        parsed = await steps.parseDocument(input);
        if (parsed.needsOcr) return { needsOcr: true };
        textKey = parsed.parsedKey;
      }
      const scanned = await steps.scanPii(input, textKey);
      const chunked = await steps.chunkDocument(input, scanned.parsedKey);
      return { parsed, scanned, chunked };
    },
  };
}
