/**
 * Typed failures shared by the API and the workflows. Each code maps to one HTTP status and says
 * whether retrying could ever help, so the API answers with a precise problem document and
 * activities raise non-retryable Temporal failures for bad input.
 */
export const errorCatalog = {
  empty_document: { status: 400, retryable: false, title: 'The document is empty' },
  invalid_request: { status: 400, retryable: false, title: 'The request is not valid' },
  too_large: { status: 413, retryable: false, title: 'The document is larger than the limit' },
  unsupported_media_type: { status: 415, retryable: false, title: 'This type of document cannot be parsed' },
  mission_not_found: { status: 404, retryable: false, title: 'No such mission' },
  document_not_found: { status: 404, retryable: false, title: 'No such document' },
  entity_not_found: { status: 404, retryable: false, title: 'No such entity' },
  deletion_in_progress: {
    status: 409,
    retryable: true,
    title: 'The document is still being deleted; send it again once the deletion has finished',
  },
  not_found: { status: 404, retryable: false, title: 'No such resource' },
  task_not_found: { status: 404, retryable: false, title: 'No such verification task' },
  already_claimed: {
    status: 409,
    retryable: false,
    title: 'Another reviewer holds the claim on this verification task',
  },
  claim_required: {
    status: 409,
    retryable: false,
    title: 'Claim the verification task before deciding it',
  },
  already_decided: { status: 409, retryable: false, title: 'The verification task is already decided' },
  review_expired: {
    status: 409,
    retryable: false,
    title: 'The verification task passed its deadline and no longer takes decisions',
  },
  parse_failed: { status: 422, retryable: false, title: 'The document could not be parsed' },
  decompression_limit: {
    status: 422,
    retryable: false,
    title: 'The document inflates beyond the decompression limit',
  },
  invalid_cartridge: { status: 422, retryable: false, title: 'The cartridge is not valid' },
  no_text: { status: 422, retryable: false, title: 'The document contains no extractable text' },
  ocr_unavailable: { status: 422, retryable: false, title: 'No OCR engine can run on this worker' },
  embedding_rejected: { status: 502, retryable: false, title: 'The embedding model refused the request' },
  embedder_unavailable: {
    status: 503,
    retryable: false,
    title: 'The embedder the mission’s cartridge names cannot run on this platform',
  },
  extraction_rejected: {
    status: 502,
    retryable: false,
    title: 'The language model of the extractor refused the request',
  },
  not_ready: { status: 503, retryable: true, title: 'A dependency is not ready' },
  internal: { status: 500, retryable: true, title: 'Internal error' },
} as const;

export type ErrorCode = keyof typeof errorCatalog;

export interface FieldError {
  path: string;
  message: string;
}

export class MissionflowError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[];

  constructor(code: ErrorCode, message?: string, errors: FieldError[] = []) {
    super(message ?? errorCatalog[code].title);
    this.name = 'MissionflowError';
    this.code = code;
    this.errors = errors;
  }

  get status(): number {
    return errorCatalog[this.code].status;
  }

  get retryable(): boolean {
    return errorCatalog[this.code].retryable;
  }
}
