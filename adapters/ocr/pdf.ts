import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissionflowError } from '../../domain/errors';
import { checkedLanguages, requireOcrEngine } from './engine';
import { OcrBudget, runTool } from './programs';
import {
  defaultMemoryLimitMb,
  defaultTimeoutMs,
  finish,
  recognise,
  type OcrBlock,
  type OcrDocument,
  type OcrOptions,
  type OcrPage,
  type Recognition,
} from './recognition';

export interface OcrPdfOptions extends OcrOptions {
  /** Pages read at most; the result says when pages were left out. Default 200. */
  maxPages?: number;
  /** Rasterising resolution. Default 200 dpi, enough for 8 pt print and far cheaper than 300. */
  dpi?: number;
  /** Longest side of a rendered page in pixels; larger pages are rendered at a lower resolution. */
  maxPagePixels?: number;
  /** Folder in which the private temporary folder is made. Default the system's temporary folder. */
  workDir?: string;
}

/**
 * Reads a scanned PDF: each page is rendered to a grey PNG by pdftoppm in a private temporary
 * folder, read by tesseract, and deleted before the next one, so disk use stays at one page. The
 * folder is removed whatever happens. Pages are read one after another: the lane's worker pool
 * runs documents side by side, and one page at a time keeps each document's memory predictable.
 */
export async function ocrPdf(bytes: Buffer, options: OcrPdfOptions = {}): Promise<OcrDocument> {
  if (bytes.length === 0) throw new MissionflowError('empty_document');
  if (bytes.subarray(0, 1024).indexOf('%PDF-') < 0) {
    throw new MissionflowError('unsupported_media_type', 'not a PDF: no %PDF- header');
  }
  const languages = checkedLanguages(options.languages);
  const engine = await requireOcrEngine({ languages, pdf: true, engine: options.engine });
  const budget = new OcrBudget(options.signal, options.timeoutMs ?? defaultTimeoutMs);
  budget.check();
  const folder = await mkdtemp(join(options.workDir ?? tmpdir(), 'missionflow-ocr-'));
  try {
    const source = join(folder, 'source.pdf');
    await writeFile(source, bytes, { mode: 0o600 });
    return await ocrPdfPages({ folder, source, engine, languages, options, budget });
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** One {@link ocrPdf} call: the PDF written into its private folder, and what reading it needs. */
interface PdfWork extends Omit<Recognition, 'what' | 'page'> {
  folder: string;
  source: string;
  options: OcrPdfOptions;
}

/** The work of {@link ocrPdf} inside its private folder, page by page. */
async function ocrPdfPages(work: PdfWork): Promise<OcrDocument> {
  const { options } = work;
  const maxPages = Math.max(1, Math.floor(options.maxPages ?? 200));
  const info = await runTool(
    {
      command: work.engine.pdfinfo as string,
      args: ['-f', '1', '-l', String(maxPages), work.source],
      memoryLimitMb: options.memoryLimitMb ?? defaultMemoryLimitMb,
      what: 'pdfinfo reading the PDF',
      missingHint: popplerHint,
    },
    work.budget,
  );
  const { pageCount, sizes } = pdfPages(info.toString('utf8'));
  if (pageCount === 0) throw new MissionflowError('parse_failed', 'the PDF has no pages');
  const pagesToRead = Math.min(pageCount, maxPages);

  const blocks: OcrBlock[] = [];
  const pages: OcrPage[] = [];
  for (let page = 1; page <= pagesToRead; page++) {
    const read = await readPage(work, page, sizes.get(page));
    blocks.push(...read.blocks);
    pages.push(read.page);
    options.onProgress?.({ page, pagesToRead });
  }

  const truncated = pagesToRead < pageCount;
  const notes = truncated
    ? [`only the first ${pagesToRead} of ${pageCount} pages were read by OCR (maxPages is ${maxPages})`]
    : [];
  return finish(blocks, pages, pageCount, truncated, notes, `${pagesToRead} PDF page(s)`);
}

const popplerHint = 'apt-get install poppler-utils';

/** One page rendered by pdftoppm and read by tesseract; its image is deleted straight after. */
async function readPage(
  work: PdfWork,
  page: number,
  size: [number, number] | undefined,
): Promise<{ blocks: OcrBlock[]; page: OcrPage }> {
  const { options } = work;
  const dpi = pageDpi(size, options.dpi ?? 200, options.maxPagePixels ?? 10_000);
  const raster = join(work.folder, `page-${page}`);
  await runTool(
    {
      command: work.engine.pdftoppm as string,
      args: [
        '-f',
        String(page),
        '-l',
        String(page),
        '-r',
        String(dpi),
        '-gray',
        '-png',
        '-singlefile',
        work.source,
        raster,
      ],
      memoryLimitMb: options.memoryLimitMb ?? defaultMemoryLimitMb,
      what: `pdftoppm rendering page ${page}`,
      missingHint: popplerHint,
    },
    work.budget,
  );
  const image = `${raster}.png`;
  const read = await recognise(
    { file: image, dpi },
    { ...work, what: `tesseract reading page ${page}`, page },
  );
  await rm(image, { force: true });
  const [found] = read.pages;
  return {
    blocks: read.blocks,
    page: found ? { ...found, dpi } : { page, words: 0, confidence: null, dpi },
  };
}

/**
 * The resolution to render a page at: the requested one, lowered for a page so large (a page
 * declared metres wide) that it would otherwise render to gigapixels.
 */
function pageDpi(size: [number, number] | undefined, dpi: number, maxPagePixels: number): number {
  const longestSideInches = Math.max(...(size ?? [0, 0])) / 72;
  if (longestSideInches <= 0) return dpi;
  return Math.max(1, Math.min(dpi, Math.floor(maxPagePixels / longestSideInches)));
}

/** Page count and page sizes (points) from pdfinfo's answer. */
export function pdfPages(info: string): { pageCount: number; sizes: Map<number, [number, number]> } {
  const pageCount = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0);
  const sizes = new Map<number, [number, number]>();
  for (const match of info.matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)) {
    sizes.set(Number(match[1]), [Number(match[2]), Number(match[3])]);
  }
  return { pageCount, sizes };
}
