import { MissionflowError } from '../../domain/errors';
import { checkedLanguages, requireOcrEngine } from './engine';
import { OcrBudget } from './programs';
import { defaultTimeoutMs, finish, recognise, type OcrDocument, type OcrOptions } from './recognition';

/**
 * Optical character recognition for the `ocr` lane: scanned PDFs and images become text through
 * the tesseract command-line program, with poppler's pdftoppm rasterising PDF pages first. Both
 * run as separate processes (no shell), so a hostile file can only exhaust a child that is watched
 * for memory, time and output size, and killed on cancellation.
 *
 * When the programs are missing the work fails with `ocr_unavailable` naming what to install: an
 * OCR lane that returned empty text would silently lose documents.
 */

// The OCR surface the lanes and workers use: engine discovery (engine.ts), scanned PDFs page by
// page (pdf.ts), and images (here), on the shared reading of tesseract's answer (recognition.ts).
export { findOcrEngine, requireOcrEngine, type OcrEngine } from './engine';
export { ocrPdf, type OcrPdfOptions } from './pdf';
export type { OcrBlock, OcrDocument, OcrOptions, OcrPage, OcrProgress } from './recognition';

/** The image formats accepted, recognised by their first bytes rather than a declared type. */
function imageFormatOf(bytes: Buffer): 'png' | 'jpeg' | 'tiff' | null {
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  const head = bytes.subarray(0, 4).toString('latin1');
  if (head === 'II*\u0000' || head === 'MM\u0000*') return 'tiff';
  return null;
}

/**
 * Reads the text of a PNG, JPEG or TIFF (every page of a multi-page TIFF) with tesseract, straight
 * from memory.
 */
export async function ocrImage(bytes: Buffer, options: OcrOptions = {}): Promise<OcrDocument> {
  if (bytes.length === 0) throw new MissionflowError('empty_document');
  const format = imageFormatOf(bytes);
  if (!format) {
    const hint = bytes.subarray(0, 5).toString('latin1') === '%PDF-' ? ' (a PDF: use ocrPdf)' : '';
    throw new MissionflowError(
      'unsupported_media_type',
      `OCR reads PNG, JPEG and TIFF images; these bytes are none of them${hint}`,
    );
  }
  const languages = checkedLanguages(options.languages);
  const engine = await requireOcrEngine({ languages, engine: options.engine });
  const budget = new OcrBudget(options.signal, options.timeoutMs ?? defaultTimeoutMs);
  const what = `tesseract reading a ${format.toUpperCase()} image`;
  const read = await recognise({ bytes }, { engine, languages, options, budget, what, page: null });
  const pageCount = Math.max(1, ...read.pages.map((page) => page.page));
  options.onProgress?.({ page: pageCount, pagesToRead: pageCount });
  return finish(read.blocks, read.pages, pageCount, false, [], `the ${format.toUpperCase()} image`);
}
