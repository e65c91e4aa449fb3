import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MissionflowError } from '../../domain/errors';
import {
  findOcrEngine,
  ocrImage,
  ocrPdf,
  requireOcrEngine,
  type OcrDocument,
  type OcrEngine,
} from '../../adapters/ocr/ocr';
import { makePdf } from '../support/fixtures';
import {
  ensureOcrEngine,
  inspectPdfTextLayer,
  isScannedPdf,
  makeScannedPdf,
  makeTextImage,
  makeTextTiff,
} from '../support/ocr';

// Real tesseract and poppler, installed from Debian by the harness when missing.

const imageLines = ['Quarterly harbour inspection', 'lantern orchard falcon', 'copper meadow summit'];

// Each page has words of its own, so a page's text can be told apart from its neighbours'.
const pageWords = [
  ['amber', 'falcon', 'granite'],
  ['cobalt', 'heron', 'juniper'],
  ['crimson', 'otter', 'walnut'],
];
const scannedPages = pageWords.map((words, index) => [
  `Page ${index + 1} ${words.join(' ')}`,
  'harbour ledger meadow',
  'lantern quarry orchard',
]);

let engine: OcrEngine;
let scannedPdf: Buffer;

beforeAll(async () => {
  await ensureOcrEngine();
  engine = await requireOcrEngine({ pdf: true });
  scannedPdf = await makeScannedPdf(scannedPages);
}, 600_000);

/** Lower-case words of the recognised text, so comparisons ignore case and punctuation. */
function wordsOf(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z]+/g) ?? []);
}

/** Share of the expected words OCR found: a stray misread passes, missing text does not. */
function recall(expected: string[], text: string): number {
  const found = wordsOf(text);
  return expected.filter((word) => found.has(word.toLowerCase())).length / expected.length;
}

const textOf = (document: OcrDocument, page?: number) =>
  document.blocks
    .filter((block) => page === undefined || block.page === page)
    .map((block) => block.text)
    .join('\n');

async function failureOf(work: Promise<unknown>): Promise<MissionflowError> {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(MissionflowError);
    return error as MissionflowError;
  }
  throw new Error('the work succeeded');
}

/** Children of this process running `name`, from /proc. */
async function childProcesses(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid ...": comm may hold spaces, so split after the closing parenthesis.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === name && ppid === process.pid) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

describe('reading images', () => {
  it('reads the words of a PNG image', async () => {
    const png = await makeTextImage(imageLines);
    const started = Date.now();
    const document = await ocrImage(png);
    process.stderr.write(`[ocr] one PNG image read in ${Date.now() - started} ms\n`);

    expect(recall(imageLines.join(' ').split(' '), textOf(document))).toBeGreaterThanOrEqual(0.9);
    expect(document.title).toBeNull();
    expect(document.pageCount).toBe(1);
    expect(document.truncated).toBe(false);
    for (const block of document.blocks) {
      expect(block).toMatchObject({ kind: 'paragraph', page: 1 });
      expect(block.confidence).toBeGreaterThan(60);
    }
  });

  it('reads a JPEG image too', async () => {
    const jpeg = await makeTextImage(imageLines, { format: 'jpeg' });
    const document = await ocrImage(jpeg);
    expect(
      recall(['harbour', 'lantern', 'orchard', 'meadow', 'summit'], textOf(document)),
    ).toBeGreaterThanOrEqual(0.8);
  });

  it('reads every page of a multi-page TIFF, each block tagged with its page', async () => {
    const tiff = await makeTextTiff(scannedPages.slice(0, 2));
    const document = await ocrImage(tiff);
    expect(document.pageCount).toBe(2);
    expect(document.pages.map((page) => page.page)).toEqual([1, 2]);
    expect(recall(pageWords[0] as string[], textOf(document, 1))).toBeGreaterThanOrEqual(0.6);
    expect(recall(pageWords[1] as string[], textOf(document, 2))).toBeGreaterThanOrEqual(0.6);
    expect(recall(pageWords[1] as string[], textOf(document, 1))).toBe(0);
  });

  it('fails with no_text, not an empty success, when the image holds no text', async () => {
    const blank = await makeTextImage([]);
    const failure = await failureOf(ocrImage(blank));
    expect(failure.code).toBe('no_text');
  });

  it('refuses bytes that are not an image it reads', async () => {
    const pdf = await makePdf('Title', ['A paragraph.']);
    const failure = await failureOf(ocrImage(pdf));
    expect(failure.code).toBe('unsupported_media_type');
    expect(failure.message).toMatch(/ocrPdf/);
  });
});

describe('reading scanned PDFs', () => {
  it('reads every page of a three-page scan, each block tagged with its page', async () => {
    const progress: number[] = [];
    const started = Date.now();
    const document = await ocrPdf(scannedPdf, { onProgress: ({ page }) => progress.push(page) });
    const elapsed = Date.now() - started;
    process.stderr.write(
      `[ocr] 3 scanned pages read in ${elapsed} ms (${Math.round(elapsed / 3)} ms a page)\n`,
    );

    expect(document.pageCount).toBe(3);
    expect(document.truncated).toBe(false);
    expect(document.pages.map((page) => page.page)).toEqual([1, 2, 3]);
    expect(progress).toEqual([1, 2, 3]);
    pageWords.forEach((words, index) => {
      const page = index + 1;
      const expected = [...words, 'page', 'harbour', 'ledger', 'meadow', 'lantern', 'quarry', 'orchard'];
      expect(recall(expected, textOf(document, page))).toBeGreaterThanOrEqual(0.9);
      // A page's own words do not turn up on the other pages.
      const others = document.blocks.filter((block) => block.page !== page).map((block) => block.text);
      expect(recall(words, others.join('\n'))).toBe(0);
      expect(document.pages[index]?.words).toBeGreaterThanOrEqual(8);
      expect(document.pages[index]?.dpi).toBe(200);
    });
  });

  it('reads only the first pages when capped, and says so', async () => {
    const document = await ocrPdf(scannedPdf, { maxPages: 2 });
    expect(document.pageCount).toBe(3);
    expect(document.truncated).toBe(true);
    expect(document.pages.map((page) => page.page)).toEqual([1, 2]);
    expect(new Set(document.blocks.map((block) => block.page))).toEqual(new Set([1, 2]));
    expect(document.notes.join(' ')).toMatch(/first 2 of 3 pages/);
  });

  it('tells a scan from a PDF with a text layer', async () => {
    const textPdf = await makePdf('Harbour report', [
      'The lantern by the quarry was lit every evening.',
      'Copper and walnut were traded at the meadow market.',
    ]);
    expect(await isScannedPdf(scannedPdf)).toBe(true);
    expect(await isScannedPdf(textPdf)).toBe(false);
    expect(await inspectPdfTextLayer(scannedPdf)).toEqual({
      pageCount: 3,
      pagesChecked: 3,
      pagesWithoutText: [1, 2, 3],
      scanned: true,
    });
    expect(await inspectPdfTextLayer(textPdf)).toMatchObject({ pagesWithoutText: [], scanned: false });
  });

  it('stops a program that passes the memory limit', async () => {
    const failure = await failureOf(ocrPdf(scannedPdf, { memoryLimitMb: 8 }));
    expect(failure.code).toBe('decompression_limit');
    expect(failure.message).toMatch(/more than 8 MB/);
  });

  it('refuses bytes that are not a PDF', async () => {
    const failure = await failureOf(ocrPdf(Buffer.from('plain text, not a PDF')));
    expect(failure.code).toBe('unsupported_media_type');
  });
});

describe('when no engine can run', () => {
  const saved = process.env.TESSERACT_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.TESSERACT_PATH;
    else process.env.TESSERACT_PATH = saved;
  });

  it('fails with ocr_unavailable when TESSERACT_PATH points at nothing', async () => {
    process.env.TESSERACT_PATH = '/nonexistent/bin/tesseract';
    expect(await findOcrEngine()).toBeNull();
    const png = await makeTextImage(['harbour']);
    const failure = await failureOf(ocrImage(png));
    expect(failure.code).toBe('ocr_unavailable');
    expect(failure.retryable).toBe(false);
    expect(failure.message).toContain('/nonexistent/bin/tesseract');
    expect(failure.message).toContain('apt-get install tesseract-ocr tesseract-ocr-eng poppler-utils');
    expect((await failureOf(ocrPdf(scannedPdf))).code).toBe('ocr_unavailable');
  });

  it('fails with ocr_unavailable when tesseract is on no PATH', async () => {
    expect(await findOcrEngine({ PATH: '/nonexistent' })).toBeNull();
    const failure = await failureOf(requireOcrEngine({}, { PATH: '/nonexistent' }));
    expect(failure.code).toBe('ocr_unavailable');
    expect(failure.message).toMatch(/not installed.*apt-get install tesseract-ocr/);
  });

  it('fails with ocr_unavailable when a given engine cannot start', async () => {
    const png = await makeTextImage(['harbour']);
    const broken: OcrEngine = { ...engine, tesseract: '/nonexistent/bin/tesseract' };
    const failure = await failureOf(ocrImage(png, { engine: broken }));
    expect(failure.code).toBe('ocr_unavailable');
    expect(failure.message).toContain('/nonexistent/bin/tesseract');
  });

  it('fails with ocr_unavailable for PDFs when poppler is missing', async () => {
    const failure = await failureOf(ocrPdf(scannedPdf, { engine: { ...engine, pdftoppm: null } }));
    expect(failure.code).toBe('ocr_unavailable');
    expect(failure.message).toContain('apt-get install poppler-utils');
  });

  it('fails with ocr_unavailable naming the package of a missing language', async () => {
    const png = await makeTextImage(['harbour']);
    const failure = await failureOf(ocrImage(png, { languages: ['eng', 'zzz_test'] }));
    expect(failure.code).toBe('ocr_unavailable');
    expect(failure.message).toContain('apt-get install tesseract-ocr-zzz-test');
  });
});

describe('stopping the work', () => {
  let workDir: string;
  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'missionflow-ocr-test-'));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('kills the running tesseract when the signal aborts, and cleans up', async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    const progress: number[] = [];
    const work = ocrPdf(scannedPdf, {
      signal: controller.signal,
      workDir,
      onProgress: ({ page }) => progress.push(page),
    });
    // Abort while tesseract is reading page 1.
    let running: number[] = [];
    const deadline = Date.now() + 30_000;
    while (running.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      running = await childProcesses('tesseract');
    }
    expect(running.length).toBe(1);
    // Usually page 1; on a loaded machine page 1 can finish between two looks, and the tesseract
    // caught is page 2's. Either way nothing may be reported once the work is aborted.
    const reportedBeforeAbort = [...progress];
    const abortedAt = Date.now();
    controller.abort(reason);

    await expect(work).rejects.toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(2000);
    expect(progress).toEqual(reportedBeforeAbort);
    expect(await childProcesses('tesseract')).toEqual([]);
    expect(await childProcesses('pdftoppm')).toEqual([]);
    // The private temporary folder is gone.
    expect(await readdir(workDir)).toEqual([]);
  });

  it('stops between pages when aborted after the first page', async () => {
    const controller = new AbortController();
    const progress: number[] = [];
    const work = ocrPdf(scannedPdf, {
      signal: controller.signal,
      workDir,
      onProgress: ({ page }) => {
        progress.push(page);
        controller.abort();
      },
    });
    await expect(work).rejects.toMatchObject({ name: 'AbortError' });
    expect(progress).toEqual([1]);
    expect(await readdir(workDir)).toEqual([]);
  });

  it('does not start when the signal is already aborted', async () => {
    const png = await makeTextImage(['harbour']);
    const reason = new Error('already cancelled');
    await expect(ocrImage(png, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('gives up at the time limit', async () => {
    await expect(ocrPdf(scannedPdf, { timeoutMs: 50, workDir })).rejects.toMatchObject({
      name: 'OcrTimeoutError',
    });
    expect(await readdir(workDir)).toEqual([]);
  });
});
