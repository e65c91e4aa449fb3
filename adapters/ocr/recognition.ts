import { MissionflowError } from '../../domain/errors';
import type { ParsedDocument } from '../../domain/parsed';
import { installHint, type OcrEngine } from './engine';
import { runTool, type OcrBudget } from './programs';

/**
 * What an OCR call takes and gives, and how tesseract's answer becomes paragraphs: shared by the
 * image and the PDF readers.
 */

export interface OcrOptions {
  /** Tesseract languages, all of which must be installed. Default `['eng']`. */
  languages?: string[];
  /** Stops the work: running programs are killed and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Budget for the whole call; past it, the running program is killed. Default 10 minutes. */
  timeoutMs?: number;
  /** Use this engine instead of looking one up (tests, or a worker that probed at start-up). */
  engine?: OcrEngine;
  /** Output one tesseract run may print before it is stopped. Default 16 MiB. */
  maxOutputBytes?: number;
  /** Resident memory one helper program may use before it is stopped. Default 1536 MB. */
  memoryLimitMb?: number;
  /** Called after each page, so a long activity can heartbeat. */
  onProgress?: (progress: OcrProgress) => void;
}

export interface OcrProgress {
  /** Page just finished (1-based). */
  page: number;
  /** Pages this call will read. */
  pagesToRead: number;
}

/** A paragraph as tesseract laid it out, with the page it sits on and how sure tesseract was. */
export interface OcrBlock {
  kind: 'paragraph';
  text: string;
  page: number;
  /** Mean word confidence, 0 to 100. */
  confidence: number;
}

export interface OcrPage {
  page: number;
  words: number;
  /** Mean word confidence, 0 to 100; null when the page has no words. */
  confidence: number | null;
  /** Resolution the page was read at; null for an image whose resolution is unknown. */
  dpi: number | null;
}

/** A ParsedDocument (the blocks carry page and confidence on top) plus what the OCR covered. */
export interface OcrDocument extends ParsedDocument {
  blocks: OcrBlock[];
  pages: OcrPage[];
  /** Pages in the source (for an image, the pages tesseract found: a TIFF may hold several). */
  pageCount: number;
  /** True when pages were left out because of `maxPages`. */
  truncated: boolean;
  /** Plain-English remarks for the document's record, e.g. which pages were left out. */
  notes: string[];
}

export const defaultTimeoutMs = 10 * 60_000;
export const defaultMemoryLimitMb = 1536;
const defaultMaxOutputBytes = 16 * 1024 * 1024;

/** One tesseract run: the engine, the call's options and budget, and what to say in errors. */
export interface Recognition {
  engine: OcrEngine;
  languages: string[];
  options: OcrOptions;
  budget: OcrBudget;
  what: string;
  /** Numbers the result when the image is one page of a PDF (tesseract would call it page 1). */
  page: number | null;
}

/**
 * Reads one image with tesseract: given as bytes, it goes in on stdin, so no temporary file is
 * written; given as a file (a rendered PDF page), tesseract is told the resolution it was rendered at.
 */
export async function recognise(
  image: { bytes: Buffer } | { file: string; dpi: number },
  run: Recognition,
): Promise<{ blocks: OcrBlock[]; pages: OcrPage[] }> {
  const source = 'bytes' in image ? ['stdin', 'stdout'] : [image.file, 'stdout', '--dpi', String(image.dpi)];
  const tsv = await runTool(
    {
      command: run.engine.tesseract,
      args: [...source, '-l', run.languages.join('+'), 'tsv'],
      input: 'bytes' in image ? image.bytes : undefined,
      env: tesseractEnv(),
      maxOutputBytes: run.options.maxOutputBytes ?? defaultMaxOutputBytes,
      memoryLimitMb: run.options.memoryLimitMb ?? defaultMemoryLimitMb,
      what: run.what,
      missingHint: installHint,
    },
    run.budget,
  );
  return blocksFromTsv(tsv.toString('utf8'), run.page);
}

/**
 * Paragraphs from tesseract's TSV output: one row per word (level 5) with its page, block,
 * paragraph and line numbers and a confidence. Words of one line are joined by spaces, lines of
 * one paragraph by line breaks, as the PDF parser does. `page` overrides the page numbers when
 * each run reads a single page.
 */
function blocksFromTsv(tsv: string, page: number | null): { blocks: OcrBlock[]; pages: OcrPage[] } {
  interface Paragraph {
    page: number;
    lines: Map<string, string[]>;
    confidences: number[];
  }
  const paragraphs = new Map<string, Paragraph>();
  for (const row of tsv.split('\n')) {
    const fields = row.split('\t');
    if (fields[0] !== '5' || fields.length < 12) continue;
    const word = fields.slice(11).join('\t').trim();
    if (!word) continue;
    const pageNumber = page ?? Number(fields[1]);
    const key = `${pageNumber}:${fields[2]}:${fields[3]}`;
    let paragraph = paragraphs.get(key);
    if (!paragraph) {
      paragraph = { page: pageNumber, lines: new Map(), confidences: [] };
      paragraphs.set(key, paragraph);
    }
    const lineWords = paragraph.lines.get(fields[4] ?? '') ?? [];
    lineWords.push(word);
    paragraph.lines.set(fields[4] ?? '', lineWords);
    paragraph.confidences.push(Math.max(0, Number(fields[10]) || 0));
  }

  const blocks: OcrBlock[] = [];
  const perPage = new Map<number, number[]>();
  for (const paragraph of paragraphs.values()) {
    const text = [...paragraph.lines.values()].map((words) => words.join(' ')).join('\n');
    blocks.push({ kind: 'paragraph', text, page: paragraph.page, confidence: mean(paragraph.confidences) });
    const confidences = perPage.get(paragraph.page) ?? [];
    confidences.push(...paragraph.confidences);
    perPage.set(paragraph.page, confidences);
  }
  // Pages tesseract saw without finding a word still count (a blank page of a TIFF).
  for (const row of tsv.split('\n')) {
    const fields = row.split('\t');
    if (fields[0] === '1' && fields.length >= 12) {
      const pageNumber = page ?? Number(fields[1]);
      if (!perPage.has(pageNumber)) perPage.set(pageNumber, []);
    }
  }
  const pages = [...perPage.entries()]
    .sort(([a], [b]) => a - b)
    .map(([pageNumber, confidences]) => ({
      page: pageNumber,
      words: confidences.length,
      confidence: confidences.length > 0 ? mean(confidences) : null,
      dpi: null,
    }));
  return { blocks, pages };
}

function mean(values: number[]): number {
  if (values.length === 0) return 0;
  return Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 10) / 10;
}

/** The result, or `no_text` when OCR read pages and found nothing: never an empty success. */
export function finish(
  blocks: OcrBlock[],
  pages: OcrPage[],
  pageCount: number,
  truncated: boolean,
  notes: string[],
  what: string,
): OcrDocument {
  if (blocks.length === 0) {
    throw new MissionflowError('no_text', `OCR found no text in ${what}`);
  }
  const empty = pages.filter((page) => page.words === 0).map((page) => page.page);
  if (empty.length > 0) notes.push(`OCR found no text on page(s) ${empty.join(', ')}`);
  return { title: null, blocks, pages, pageCount, truncated, notes };
}

/**
 * Tesseract may start one thread per core for each page. The lane already reads several
 * documents at once, and threads on top of that slow everything down, so one thread each.
 */
function tesseractEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OMP_THREAD_LIMIT: process.env.OMP_THREAD_LIMIT ?? '1' };
}
