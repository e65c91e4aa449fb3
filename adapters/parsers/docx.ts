import mammoth from 'mammoth';
import { MissionflowError } from '../../domain/errors';
import type { ParsedDocument } from '../../domain/parsed';
import { parseHtml } from './html';
import { assertZipWithinLimits } from './zip-guard';

/**
 * DOCX through mammoth, which maps Word styles to HTML headings and paragraphs; the structure then
 * goes through the same HTML reader. The archive is proven within the inflation limit first.
 */
export async function parseDocx(bytes: Buffer, maxInflatedBytes: number): Promise<ParsedDocument> {
  await assertZipWithinLimits(bytes, { maxInflatedBytes, maxEntries: 10_000 });
  let html: string;
  try {
    html = (await mammoth.convertToHtml({ buffer: bytes })).value;
  } catch (error) {
    throw new MissionflowError('parse_failed', `not a readable Word document: ${(error as Error).message}`);
  }
  const parsed = parseHtml(html);
  const firstHeading = parsed.blocks.find((block) => block.kind === 'heading');
  return { title: firstHeading?.text ?? null, blocks: parsed.blocks };
}
