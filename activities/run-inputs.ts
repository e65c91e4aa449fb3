import { ApplicationFailure } from '@temporalio/common';
import type { Cartridge } from '../domain/cartridge';
import type { IngestInput } from '../domain/documents';
import type { CartridgeStore } from '../stores/relational/cartridges';
import type { DocumentRecord, DocumentStore } from '../stores/relational/documents';

/**
 * What every activity of a document's run starts from: the document and the cartridge version the
 * run is pinned to. Either missing is a non-retryable failure: no retry can bring it back.
 */
export async function requireDocument(documents: DocumentStore, input: IngestInput): Promise<DocumentRecord> {
  const document = await documents.get(input.missionId, input.documentId);
  if (!document) {
    throw ApplicationFailure.nonRetryable(
      `document ${input.documentId} does not exist`,
      'document_not_found',
    );
  }
  return document;
}

export async function requirePinnedCartridge(
  cartridges: CartridgeStore,
  input: IngestInput,
): Promise<Cartridge> {
  const version = await cartridges.version(input.missionId, input.cartridgeVersion);
  if (!version) {
    throw ApplicationFailure.nonRetryable(
      `cartridge ${input.missionId}@${input.cartridgeVersion} does not exist`,
      'invalid_cartridge',
    );
  }
  return version.cartridge;
}
