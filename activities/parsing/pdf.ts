import { PDFParse } from 'pdf-parse';
import { MissionflowError } from '../../domain/errors';
import { paragraphsOf, type Block, type ParsedDocument } from '../../domain/parsed';

/**
 * PDF text per page through pdf.js (pdf-parse). PDFs carry no reliable paragraph structure, so
 * paragraphs come from blank lines in the extracted text, page by page.
 */
export async function parsePdf(bytes: Buffer): Promise<ParsedDocument> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    const [text, info] = await Promise.all([parser.getText(), parser.getInfo().catch(() => null)]);
    const blocks: Block[] = [];
    for (const page of text.pages) blocks.push(...paragraphsOf(page.text));
    const metadataTitle = (info?.info as { Title?: unknown } | undefined)?.Title;
    const title = typeof metadataTitle === 'string' && metadataTitle.trim() ? metadataTitle.trim() : null;
    return { title, blocks };
  } catch (error) {
    throw new MissionflowError('parse_failed', `not a readable PDF: ${(error as Error).message}`);
  } finally {
    await parser.destroy().catch(() => undefined);
  }
}
