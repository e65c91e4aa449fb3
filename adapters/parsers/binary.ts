import { MissionflowError } from '../../domain/errors';
import { docxMediaType } from '../../domain/media-types';
import type { ParsedDocument } from '../../domain/parsed';
import { parseDocx } from './docx';
import { parsePdf, type PageRange } from './pdf';

export const binaryMediaTypes: readonly string[] = ['application/pdf', docxMediaType];

/** PDF and DOCX: compressed formats whose parsers may inflate far beyond the upload's size. */
export async function parseBinary(
  bytes: Buffer,
  mediaType: string,
  limits: { maxInflatedBytes: number },
  pages?: PageRange,
): Promise<ParsedDocument> {
  if (mediaType === 'application/pdf') return parsePdf(bytes, pages);
  if (mediaType === docxMediaType) return parseDocx(bytes, limits.maxInflatedBytes);
  throw new MissionflowError('unsupported_media_type', `not a binary format: ${mediaType}`);
}
