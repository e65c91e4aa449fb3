import type { IngestInput } from '../domain/documents';
import type { PiiType } from '../domain/pii';
import { applyPiiPolicy } from '../domain/pii-policy';
import type { IngestContext } from './ingest-context';

/** What the PII scan found, what it redacted, and which types the cartridge wants reviewed. */
export interface PiiScanResult {
  /** The parsed text to chunk: a redacted copy when anything was redacted (the upload is untouched). */
  parsedKey: string;
  found: Record<PiiType, number>;
  redacted: Record<PiiType, number>;
  review: PiiType[];
}

/** Step `pii`: the cartridge's PII policy over the parsed text (domain/pii-policy.ts). */
export function createPiiActivities(context: IngestContext) {
  const { deps, runStep, loadCartridge, readParsed } = context;

  return {
    /**
     * A redacted copy of the parsed text is what everything downstream (chunks, vectors, graph) is
     * made from; the uploaded blob keeps the original.
     */
    async scanPii(input: IngestInput, parsedKey: string): Promise<PiiScanResult> {
      return runStep(input, 'pii', async () => {
        const cartridge = await loadCartridge(input);
        const parsed = await readParsed(parsedKey);
        const { blocks, found, redacted, review, anyRedacted } = applyPiiPolicy(parsed.blocks, cartridge.pii);
        const textKey = anyRedacted
          ? (await deps.blobs.putBytes(Buffer.from(JSON.stringify({ ...parsed, blocks })), input.missionId))
              .key
          : parsedKey;
        await deps.documents.recordQuality(input.missionId, input.documentId, {
          pii: { found, redacted, review },
        });
        return { parsedKey: textKey, found, redacted, review };
      });
    },
  };
}
