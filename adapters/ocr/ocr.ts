import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissionflowError } from '../../domain/errors';
import type { ParsedDocument } from '../../domain/parsed';
import { isExecutable, onPath } from '../executables';
import { residentMegabytes } from '../parsers/sandbox';

/**
 * Optical character recognition for the `ocr` lane: scanned PDFs and images become text through
 * the tesseract command-line program, with poppler's pdftoppm rasterising PDF pages first. Both
 * run as separate processes (no shell), so a hostile file can only exhaust a child that is watched
 * for memory, time and output size, and killed on cancellation.
 *
 * When the programs are missing the work fails with `ocr_unavailable` naming what to install: an
 * OCR lane that returned empty text would silently lose documents.
 */

/** What this worker can run, found by {@link findOcrEngine}. */
export interface OcrEngine {
  /** Absolute path of the tesseract program. */
  tesseract: string;
  /** First line of `tesseract --version`, for logs. */
  version: string;
  /** Languages tesseract has data for (`tesseract --list-langs`), e.g. `eng`, `osd`. */
  languages: string[];
  /** poppler-utils programs, needed for PDFs only; null when not installed. */
  pdftoppm: string | null;
  pdfinfo: string | null;
  pdftotext: string | null;
}

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

const installHint = 'apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils';
const defaultLanguages = ['eng'];
const defaultTimeoutMs = 10 * 60_000;
const defaultMaxOutputBytes = 16 * 1024 * 1024;
const defaultMemoryLimitMb = 1536;

// ---------------------------------------------------------------------------------------------
// Finding the engine

/** Successful probes, keyed by where they looked: a worker probes once, not per document. */
const probed = new Map<string, OcrEngine>();

type Probe = { engine: OcrEngine } | { problem: string };

async function probeEngine(env: NodeJS.ProcessEnv): Promise<Probe> {
  const key = `${env.TESSERACT_PATH ?? ''}\u0000${env.PATH ?? ''}`;
  const cached = probed.get(key);
  if (cached) return { engine: cached };

  let tesseract: string | null;
  if (env.TESSERACT_PATH) {
    // An explicit setting that is wrong is reported, not quietly replaced by whatever is on PATH.
    tesseract = (await isExecutable(env.TESSERACT_PATH)) ? env.TESSERACT_PATH : null;
    if (!tesseract) {
      return {
        problem: `TESSERACT_PATH is ${env.TESSERACT_PATH}, which is not an executable file; fix it, or unset it and install tesseract (${installHint})`,
      };
    }
  } else {
    tesseract = await onPath('tesseract', env);
    if (!tesseract) return { problem: `tesseract is not installed on this worker (${installHint})` };
  }

  const signal = AbortSignal.timeout(30_000);
  let version: string;
  let languages: string[];
  try {
    const versionText = await runTool({ command: tesseract, args: ['--version'], signal, env });
    version = versionText.toString('utf8').split('\n')[0]?.trim() ?? 'tesseract';
    // The first line is a heading ("List of available languages in ..."), then one name a line.
    const listing = await runTool({ command: tesseract, args: ['--list-langs'], signal, env });
    languages = listing
      .toString('utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
  } catch (error) {
    return {
      problem: `tesseract at ${tesseract} does not run: ${(error as Error).message} (${installHint})`,
    };
  }
  if (!languages.includes('eng')) {
    return {
      problem: `tesseract at ${tesseract} has no English language data (it has: ${languages.join(', ') || 'none'}); apt-get install tesseract-ocr-eng`,
    };
  }
  const engine: OcrEngine = {
    tesseract,
    version,
    languages,
    pdftoppm: await onPath('pdftoppm', env),
    pdfinfo: await onPath('pdfinfo', env),
    pdftotext: await onPath('pdftotext', env),
  };
  probed.set(key, engine);
  return { engine };
}

/**
 * The OCR programs this worker can run: tesseract from `TESSERACT_PATH`, else from PATH, with at
 * least English language data; poppler's programs from PATH (null when missing: images can still
 * be read). Null when tesseract is missing, broken or has no English data.
 */
export async function findOcrEngine(env: NodeJS.ProcessEnv = process.env): Promise<OcrEngine | null> {
  const probe = await probeEngine(env);
  return 'engine' in probe ? probe.engine : null;
}

/**
 * The engine, checked for what the work needs (languages; poppler for PDFs), or an
 * `ocr_unavailable` error that names what is missing and how to install it.
 */
export async function requireOcrEngine(
  needs: { languages?: string[]; pdf?: boolean; engine?: OcrEngine } = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<OcrEngine> {
  let found = needs.engine;
  if (!found) {
    const probe = await probeEngine(env);
    if ('problem' in probe) throw new MissionflowError('ocr_unavailable', probe.problem);
    found = probe.engine;
  }
  const engine = found;
  const languages = needs.languages ?? defaultLanguages;
  const missing = languages.filter((language) => !engine.languages.includes(language));
  if (missing.length > 0) {
    // Debian names language packages after the data file, in lower case with hyphens.
    const packages = missing.map((language) => `tesseract-ocr-${language.toLowerCase().replace(/_/g, '-')}`);
    throw new MissionflowError(
      'ocr_unavailable',
      `tesseract has no language data for ${missing.join(', ')} (it has: ${engine.languages.join(', ')}); apt-get install ${packages.join(' ')}`,
    );
  }
  if (needs.pdf) {
    const absent = (['pdftoppm', 'pdfinfo'] as const).filter((tool) => !engine[tool]);
    if (absent.length > 0) {
      throw new MissionflowError(
        'ocr_unavailable',
        `${absent.join(' and ')} from poppler-utils ${absent.length > 1 ? 'are' : 'is'} not installed on this worker, so PDF pages cannot be rasterised for OCR (apt-get install poppler-utils)`,
      );
    }
  }
  return engine;
}

// ---------------------------------------------------------------------------------------------
// Images

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
 * Reads the text of a PNG, JPEG or TIFF (every page of a multi-page TIFF) with tesseract. The image
 * goes in on stdin and the answer comes back on stdout, so no temporary file is written.
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
  const budget = withDeadline(options.signal, options.timeoutMs ?? defaultTimeoutMs);
  try {
    const tsv = await runTool({
      command: engine.tesseract,
      args: ['stdin', 'stdout', '-l', languages.join('+'), 'tsv'],
      input: bytes,
      signal: budget.signal,
      env: tesseractEnv(),
      maxOutputBytes: options.maxOutputBytes ?? defaultMaxOutputBytes,
      memoryLimitMb: options.memoryLimitMb ?? defaultMemoryLimitMb,
      what: `tesseract reading a ${format.toUpperCase()} image`,
      missingHint: installHint,
    });
    const read = blocksFromTsv(tsv.toString('utf8'), null);
    const pageCount = Math.max(1, ...read.pages.map((page) => page.page));
    options.onProgress?.({ page: pageCount, pagesToRead: pageCount });
    return finish(read.blocks, read.pages, pageCount, false, [], `the ${format.toUpperCase()} image`);
  } finally {
    budget.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// PDFs

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
  const budget = withDeadline(options.signal, options.timeoutMs ?? defaultTimeoutMs);
  const common = {
    signal: budget.signal,
    memoryLimitMb: options.memoryLimitMb ?? defaultMemoryLimitMb,
    missingHint: 'apt-get install poppler-utils',
  };
  try {
    budget.signal.throwIfAborted();
    const folder = await mkdtemp(join(options.workDir ?? tmpdir(), 'missionflow-ocr-'));
    try {
      return await ocrPdfPages(bytes, folder, engine, languages, options, common);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  } finally {
    budget.dispose();
  }
}

/** The work of {@link ocrPdf} inside its private folder, page by page. */
async function ocrPdfPages(
  bytes: Buffer,
  folder: string,
  engine: OcrEngine,
  languages: string[],
  options: OcrPdfOptions,
  common: { signal: AbortSignal; memoryLimitMb: number; missingHint: string },
): Promise<OcrDocument> {
  const maxPages = Math.max(1, Math.floor(options.maxPages ?? 200));
  const dpi = options.dpi ?? 200;
  const maxPagePixels = options.maxPagePixels ?? 10_000;
  const source = join(folder, 'source.pdf');
  await writeFile(source, bytes, { mode: 0o600 });

  const info = await runTool({
    ...common,
    command: engine.pdfinfo as string,
    args: ['-f', '1', '-l', String(maxPages), source],
    what: 'pdfinfo reading the PDF',
    maxOutputBytes: 1024 * 1024,
  });
  const { pageCount, sizes } = pdfPages(info.toString('utf8'));
  if (pageCount === 0) throw new MissionflowError('parse_failed', 'the PDF has no pages');
  const pagesToRead = Math.min(pageCount, maxPages);

  const blocks: OcrBlock[] = [];
  const pages: OcrPage[] = [];
  for (let page = 1; page <= pagesToRead; page++) {
    // A page declared metres wide would render to gigapixels at the usual resolution.
    const longestSideInches = Math.max(...(sizes.get(page) ?? [0, 0])) / 72;
    const pageDpi =
      longestSideInches > 0 ? Math.max(1, Math.min(dpi, Math.floor(maxPagePixels / longestSideInches))) : dpi;
    const raster = join(folder, `page-${page}`);
    await runTool({
      ...common,
      command: engine.pdftoppm as string,
      args: [
        '-f',
        String(page),
        '-l',
        String(page),
        '-r',
        String(pageDpi),
        '-gray',
        '-png',
        '-singlefile',
        source,
        raster,
      ],
      what: `pdftoppm rendering page ${page}`,
      maxOutputBytes: 1024 * 1024,
    });
    const tsv = await runTool({
      ...common,
      command: engine.tesseract,
      args: [`${raster}.png`, 'stdout', '--dpi', String(pageDpi), '-l', languages.join('+'), 'tsv'],
      env: tesseractEnv(),
      what: `tesseract reading page ${page}`,
      maxOutputBytes: options.maxOutputBytes ?? defaultMaxOutputBytes,
      missingHint: installHint,
    });
    await rm(`${raster}.png`, { force: true });
    const read = blocksFromTsv(tsv.toString('utf8'), page);
    blocks.push(...read.blocks);
    pages.push(
      read.pages[0] ? { ...read.pages[0], dpi: pageDpi } : { page, words: 0, confidence: null, dpi: pageDpi },
    );
    options.onProgress?.({ page, pagesToRead });
  }

  const truncated = pagesToRead < pageCount;
  const notes = truncated
    ? [`only the first ${pagesToRead} of ${pageCount} pages were read by OCR (maxPages is ${maxPages})`]
    : [];
  return finish(blocks, pages, pageCount, truncated, notes, `${pagesToRead} PDF page(s)`);
}

/** Page count and page sizes (points) from pdfinfo's answer. */
function pdfPages(info: string): { pageCount: number; sizes: Map<number, [number, number]> } {
  const pageCount = Number(/^Pages:\s+(\d+)/m.exec(info)?.[1] ?? 0);
  const sizes = new Map<number, [number, number]>();
  for (const match of info.matchAll(/^Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts/gm)) {
    sizes.set(Number(match[1]), [Number(match[2]), Number(match[3])]);
  }
  return { pageCount, sizes };
}

// ---------------------------------------------------------------------------------------------
// Does a PDF need OCR?

export interface PdfTextLayer {
  /** Pages in the PDF. */
  pageCount: number;
  /** Pages looked at (the first `maxPages`). */
  pagesChecked: number;
  /** Checked pages with less than `minCharacters` letters or digits in their text layer. */
  pagesWithoutText: number[];
  /** No checked page has a text layer: the PDF is a scan and only OCR can read it. */
  scanned: boolean;
}

/**
 * Looks at a PDF's text layer with poppler's pdftotext, page by page (it separates pages with a
 * form feed). A page counts as text when its layer holds at least `minCharacters` letters or
 * digits, so a scanner's stamp ("Scanned with ...") or a lone page number does not hide a scan.
 *
 * pdftotext rather than the platform's pdf.js parser: it runs in its own process (killed on
 * cancellation, memory watched) instead of on the worker's heap, it is native and fast, it stops
 * after `maxPages` instead of decoding the whole file, it keeps page boundaries (the pdf.js parser
 * merges pages into one list of paragraphs), and an OCR worker needs poppler-utils anyway.
 */
export async function inspectPdfTextLayer(
  bytes: Buffer,
  options: Pick<OcrOptions, 'signal' | 'timeoutMs' | 'engine' | 'memoryLimitMb'> & {
    maxPages?: number;
    minCharacters?: number;
  } = {},
): Promise<PdfTextLayer> {
  const pdftotext = options.engine?.pdftotext ?? (await onPath('pdftotext'));
  const pdfinfo = options.engine?.pdfinfo ?? (await onPath('pdfinfo'));
  if (!pdftotext || !pdfinfo) {
    throw new MissionflowError(
      'ocr_unavailable',
      'pdftotext and pdfinfo from poppler-utils are needed to tell scanned PDFs apart (apt-get install poppler-utils)',
    );
  }
  const maxPages = Math.max(1, Math.floor(options.maxPages ?? 50));
  const minCharacters = options.minCharacters ?? 32;
  const budget = withDeadline(options.signal, options.timeoutMs ?? 60_000);
  const common = {
    signal: budget.signal,
    input: bytes,
    memoryLimitMb: options.memoryLimitMb ?? defaultMemoryLimitMb,
    missingHint: 'apt-get install poppler-utils',
  };
  try {
    // Both read the PDF from stdin ("-"): nothing is written to disk for a check.
    const info = await runTool({
      ...common,
      command: pdfinfo,
      args: ['-'],
      what: 'pdfinfo reading the PDF',
      maxOutputBytes: 1024 * 1024,
    });
    const { pageCount } = pdfPages(info.toString('utf8'));
    const pagesChecked = Math.min(pageCount, maxPages);
    const text = await runTool({
      ...common,
      command: pdftotext,
      args: ['-f', '1', '-l', String(maxPages), '-enc', 'UTF-8', '-', '-'],
      what: 'pdftotext reading the text layer',
      maxOutputBytes: 32 * 1024 * 1024,
    });
    const pageTexts = text.toString('utf8').split('\f');
    const pagesWithoutText: number[] = [];
    for (let page = 1; page <= pagesChecked; page++) {
      const characters = (pageTexts[page - 1] ?? '').match(/[\p{L}\p{N}]/gu)?.length ?? 0;
      if (characters < minCharacters) pagesWithoutText.push(page);
    }
    return {
      pageCount,
      pagesChecked,
      pagesWithoutText,
      scanned: pagesChecked > 0 && pagesWithoutText.length === pagesChecked,
    };
  } finally {
    budget.dispose();
  }
}

/** True when no page of the PDF (among the first 50) has a text layer. */
export async function isScannedPdf(
  bytes: Buffer,
  options: Parameters<typeof inspectPdfTextLayer>[1] = {},
): Promise<boolean> {
  return (await inspectPdfTextLayer(bytes, options)).scanned;
}

// ---------------------------------------------------------------------------------------------
// Reading tesseract's answer

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
function finish(
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

/** Language names go into tesseract's arguments, so only the characters data files use pass. */
function checkedLanguages(languages: string[] | undefined): string[] {
  const list = languages && languages.length > 0 ? languages : defaultLanguages;
  for (const language of list) {
    if (!/^[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)?$/.test(language)) {
      throw new MissionflowError(
        'invalid_request',
        `not a tesseract language name: ${JSON.stringify(language)}`,
      );
    }
  }
  return list;
}

/**
 * Tesseract may start one thread per core for each page. The lane already reads several
 * documents at once, and threads on top of that slow everything down, so one thread each.
 */
function tesseractEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OMP_THREAD_LIMIT: process.env.OMP_THREAD_LIMIT ?? '1' };
}

// ---------------------------------------------------------------------------------------------
// Running the programs

/** The caller's signal combined with a deadline, whose reason says the time ran out. */
function withDeadline(signal: AbortSignal | undefined, timeoutMs: number) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) controller.abort(signal.reason);
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    const error = new Error(`OCR did not finish within ${timeoutMs} ms`);
    error.name = 'OcrTimeoutError';
    controller.abort(error);
  }, timeoutMs);
  timer.unref(); // a forgotten budget must not keep the worker process alive
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** The reason an aborted signal carries (Temporal's cancellation gives its CancelledFailure). */
function abortError(signal: AbortSignal): Error {
  // Checked by shape, not instanceof: an AbortError (a DOMException) may come from another realm.
  const reason: unknown = signal.reason;
  if (typeof reason === 'object' && reason !== null && typeof (reason as Error).message === 'string') {
    return reason as Error;
  }
  return new Error('OCR was cancelled');
}

interface ToolRun {
  command: string;
  args: string[];
  /** Written to the program's stdin. */
  input?: Buffer;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Stdout beyond this stops the program. Default 1 MiB. */
  maxOutputBytes?: number;
  memoryLimitMb?: number;
  /** Says what was running, in error messages. */
  what?: string;
  /** How to install the program, should it be missing after all. */
  missingHint?: string;
}

/**
 * Runs one program without a shell and returns its stdout. The program is killed when the signal
 * aborts, when its output passes the bound, or when its resident memory passes the limit (decoded
 * images live outside any heap limit, so memory is watched from /proc, as the parser sandbox does).
 */
async function runTool(run: ToolRun): Promise<Buffer> {
  if (run.signal.aborted) throw abortError(run.signal);
  const what = run.what ?? run.command;
  const maxOutputBytes = run.maxOutputBytes ?? 1024 * 1024;
  const child = spawn(run.command, run.args, {
    stdio: [run.input ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: run.env ?? process.env,
  });
  let stopped: 'signal' | 'output' | 'memory' | null = null;
  const stop = (why: typeof stopped) => {
    stopped ??= why;
    child.kill('SIGKILL');
  };
  const onAbort = () => stop('signal');
  run.signal.addEventListener('abort', onAbort, { once: true });
  const watchdog = run.memoryLimitMb
    ? setInterval(() => {
        if (child.pid === undefined) return;
        void residentMegabytes(child.pid).then((megabytes) => {
          if (megabytes !== null && run.memoryLimitMb && megabytes > run.memoryLimitMb) stop('memory');
        });
      }, 50)
    : null;

  const stdout: Buffer[] = [];
  let outputBytes = 0;
  let stderr = '';
  child.stdout?.on('data', (part: Buffer) => {
    outputBytes += part.length;
    if (outputBytes > maxOutputBytes) stop('output');
    else stdout.push(part);
  });
  child.stderr?.on('data', (part: Buffer) => (stderr = (stderr + part.toString()).slice(-4000)));
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // the program may exit before reading everything
    child.stdin.end(run.input);
  }

  let exit: [number | null, NodeJS.Signals | null];
  try {
    exit = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve([code, signal]));
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') {
      throw new MissionflowError(
        'ocr_unavailable',
        `${run.command} cannot be started (${code})${run.missingHint ? `: ${run.missingHint}` : ''}`,
      );
    }
    throw error;
  } finally {
    run.signal.removeEventListener('abort', onAbort);
    if (watchdog) clearInterval(watchdog);
  }

  if (stopped === 'signal') throw abortError(run.signal);
  if (stopped === 'memory') {
    throw new MissionflowError(
      'decompression_limit',
      `${what} needed more than ${run.memoryLimitMb} MB of memory: the image is too large`,
    );
  }
  if (stopped === 'output') {
    throw new MissionflowError('parse_failed', `${what} printed more than ${maxOutputBytes} bytes`);
  }
  const [code, signal] = exit;
  const detail = stderr.trim().split('\n').slice(-3).join(' / ');
  if (signal) throw new Error(`${what} ended with ${signal}: ${detail}`);
  // A non-zero exit from these programs means they could not read the file they were given.
  if (code !== 0) throw new MissionflowError('parse_failed', `${what} failed (exit ${code}): ${detail}`);
  return Buffer.concat(stdout);
}
