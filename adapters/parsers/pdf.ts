import { PDFParse } from 'pdf-parse';
import { MissionflowError } from '../../domain/errors';
import { paragraphsOf, type Block, type ParsedDocument } from '../../domain/parsed';

/** Pages to read, 1-based and inclusive: a section of a long document (the deep lane). */
export interface PageRange {
  first: number;
  last: number;
}

/**
 * PDF text per page through pdf.js (pdf-parse). PDFs carry no reliable paragraph structure, so
 * paragraphs come from blank lines in the extracted text, page by page. With `pages`, only those
 * pages are read; `pageCount` is always the whole document's.
 */
export async function parsePdf(bytes: Buffer, pages?: PageRange): Promise<ParsedDocument> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const selection = pages
      ? { partial: Array.from({ length: pages.last - pages.first + 1 }, (_, i) => pages.first + i) }
      : {};
    const [text, info] = await Promise.all([parser.getText(selection), parser.getInfo().catch(() => null)]);
    const blocks: Block[] = [];
    for (const page of text.pages) blocks.push(...paragraphsOf(page.text));
    const metadataTitle = (info?.info as { Title?: unknown } | undefined)?.Title;
    const title = typeof metadataTitle === 'string' && metadataTitle.trim() ? metadataTitle.trim() : null;
    return { title, blocks, pageCount: text.total };
  } catch (error) {
    throw new MissionflowError('parse_failed', `not a readable PDF: ${(error as Error).message}`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}
