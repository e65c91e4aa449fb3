import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { findOcrEngine } from '../../adapters/ocr/ocr';
import { pdfPages } from '../../adapters/ocr/pdf';
import { OcrBudget, runTool } from '../../adapters/ocr/programs';
import { ensureDebianPackages, run, which, type Say } from './services/service';

const defaultSay: Say = (message) => process.stderr.write(`[ocr] ${message}\n`);

/**
 * Makes sure tesseract with English data and poppler's programs are installed (Debian packages,
 * installed through the harness's usual route when missing) and returns the tesseract path.
 */
export async function ensureOcrEngine(say: Say = defaultSay): Promise<string> {
  const started = Date.now();
  await ensureDebianPackages(
    [
      { binary: 'tesseract', packageName: 'tesseract-ocr' },
      // Language data has no program of its own: it comes with tesseract when that is missing.
      { binary: 'tesseract', packageName: 'tesseract-ocr-eng' },
      { binary: 'pdftoppm', packageName: 'poppler-utils' },
    ],
    say,
  );
  let engine = await findOcrEngine();
  if (!engine && (await which('tesseract'))) {
    // tesseract is there but without English data: name a program that never exists, so the
    // package is installed.
    await ensureDebianPackages(
      [{ binary: 'missionflow-no-such-program', packageName: 'tesseract-ocr-eng' }],
      say,
    );
    engine = await findOcrEngine();
  }
  if (!engine) throw new Error('tesseract with English data is still missing after installing its packages');
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 1) say(`OCR engine ready in ${seconds.toFixed(1)} s: ${engine.version}`);
  return engine.tesseract;
}

export interface PdfTextLayer {
  /** Pages in the PDF. */
  pageCount: number;
  /** Pages looked at (the first 50). */
  pagesChecked: number;
  /** Checked pages with less than 32 letters or digits in their text layer. */
  pagesWithoutText: number[];
  /** No checked page has a text layer: the PDF is a scan and only OCR can read it. */
  scanned: boolean;
}

/**
 * Looks at a PDF's text layer with poppler's pdftotext, page by page (it separates pages with a
 * form feed): how the OCR tests tell their scanned fixtures from PDFs with text. A page counts as
 * text when its layer holds at least 32 letters or digits, so a scanner's stamp ("Scanned with
 * ...") or a lone page number does not hide a scan. Both programs read the PDF from stdin ("-"),
 * on the runner OCR uses, so nothing is written to disk for a check.
 */
export async function inspectPdfTextLayer(bytes: Buffer): Promise<PdfTextLayer> {
  const [pdftotext, pdfinfo] = [await which('pdftotext'), await which('pdfinfo')];
  if (!pdftotext || !pdfinfo) {
    throw new Error('pdftotext and pdfinfo are missing: call ensureOcrEngine() first');
  }
  const maxPages = 50;
  const minCharacters = 32;
  const budget = new OcrBudget(undefined, 60_000);
  const info = await runTool({ command: pdfinfo, args: ['-'], input: bytes, what: 'pdfinfo' }, budget);
  const { pageCount } = pdfPages(info.toString('utf8'));
  const pagesChecked = Math.min(pageCount, maxPages);
  const text = await runTool(
    {
      command: pdftotext,
      args: ['-f', '1', '-l', String(maxPages), '-enc', 'UTF-8', '-', '-'],
      input: bytes,
      what: 'pdftotext',
      maxOutputBytes: 32 * 1024 * 1024,
    },
    budget,
  );
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
}

/** True when no page of the PDF (among the first 50) has a text layer. */
export async function isScannedPdf(bytes: Buffer): Promise<boolean> {
  return (await inspectPdfTextLayer(bytes)).scanned;
}

export interface TextRenderOptions {
  /** Font size in points. Default 24: large, clean print that OCR reads reliably. */
  fontSize?: number;
  /** Rasterising resolution. Default 200 dpi. */
  dpi?: number;
}

/**
 * A PDF with a real text layer, one page per entry of `pages` (each a list of lines), in large
 * Helvetica. The shared `makePdf` fixture sets 11 pt text under a title; OCR fixtures want bigger
 * print and a known line layout, so this one lays out its own pages with the same library.
 */
export async function makeLargeTextPdf(pages: string[][], options: TextRenderOptions = {}): Promise<Buffer> {
  const fontSize = options.fontSize ?? 24;
  const lineHeight = Math.round(fontSize * 1.6);
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    // A page just tall enough for its lines keeps the rendered image, and the OCR time, small.
    const height = Math.max(200, 2 * 72 + lines.length * lineHeight);
    const page = pdf.addPage([595, height]);
    let y = height - 72 - fontSize;
    for (const line of lines) {
      page.drawText(line, { x: 54, y, size: fontSize, font });
      y -= lineHeight;
    }
  }
  return Buffer.from(await pdf.save());
}

/** Renders every page of a PDF with poppler's pdftoppm; returns one image per page. */
async function rasterise(pdf: Buffer, format: 'png' | 'jpeg' | 'pgm', dpi: number): Promise<Buffer[]> {
  const pdftoppm = await which('pdftoppm');
  if (!pdftoppm) throw new Error('pdftoppm is missing: call ensureOcrEngine() first');
  const folder = await mkdtemp(join(tmpdir(), 'missionflow-ocr-fixture-'));
  try {
    const source = join(folder, 'source.pdf');
    await writeFile(source, pdf);
    const pageCount = (await PDFDocument.load(pdf)).getPageCount();
    const images: Buffer[] = [];
    for (let page = 1; page <= pageCount; page++) {
      // Grey without a format option gives PGM: a short header, then raw 8-bit pixels.
      const formatArgs = { png: ['-png'], jpeg: ['-jpeg', '-jpegopt', 'quality=90'], pgm: [] }[format];
      const base = join(folder, `page-${page}`);
      const args = ['-f', String(page), '-l', String(page), '-r', String(dpi), '-gray', ...formatArgs];
      await run(pdftoppm, [...args, '-singlefile', source, base]);
      images.push(await readFile(`${base}.${{ png: 'png', jpeg: 'jpg', pgm: 'pgm' }[format]}`));
    }
    return images;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** An image (PNG by default, or JPEG) of the given lines of text, as a scanner would produce. */
export async function makeTextImage(
  lines: string[],
  options: TextRenderOptions & { format?: 'png' | 'jpeg' } = {},
): Promise<Buffer> {
  const pdf = await makeLargeTextPdf([lines], options);
  const [image] = await rasterise(pdf, options.format ?? 'png', options.dpi ?? 200);
  return image as Buffer;
}

/**
 * A "scanned" PDF: each page is only a JPEG picture of text, no text layer at all. The text is set
 * in a PDF, rendered to JPEG by pdftoppm, and wrapped by {@link imageOnlyPdf}.
 */
export async function makeScannedPdf(pages: string[][], options: TextRenderOptions = {}): Promise<Buffer> {
  const dpi = options.dpi ?? 200;
  const jpegs = await rasterise(await makeLargeTextPdf(pages, options), 'jpeg', dpi);
  return imageOnlyPdf(jpegs.map((jpeg) => ({ jpeg, dpi })));
}

/**
 * A multi-page TIFF, one page per entry of `pages`, as a fax or document scanner writes it: grey,
 * uncompressed, one strip a page. Written by hand from pdftoppm's raw grey pixels.
 */
export async function makeTextTiff(pages: string[][], options: TextRenderOptions = {}): Promise<Buffer> {
  const dpi = options.dpi ?? 200;
  const images = (await rasterise(await makeLargeTextPdf(pages, options), 'pgm', dpi)).map(pgmPixels);
  const parts: Buffer[] = [];
  let length = 8;
  const header = Buffer.alloc(8);
  header.write('II*\u0000', 0, 'latin1'); // little-endian TIFF
  parts.push(header);
  let previousLink = { buffer: header, offset: 4 }; // where the offset of the next page's directory goes
  for (const { width, height, pixels } of images) {
    const pixelOffset = length;
    parts.push(pixels);
    length += pixels.length + (pixels.length % 2); // directories start on a word boundary
    if (pixels.length % 2) parts.push(Buffer.alloc(1));
    // Tag, type (3 SHORT, 4 LONG) and value; each entry holds one value inline.
    const tags: Array<[number, 3 | 4, number]> = [
      [256, 4, width], // ImageWidth
      [257, 4, height], // ImageLength
      [258, 3, 8], // BitsPerSample
      [259, 3, 1], // Compression: none
      [262, 3, 1], // PhotometricInterpretation: black is zero
      [273, 4, pixelOffset], // StripOffsets
      [277, 3, 1], // SamplesPerPixel
      [278, 4, height], // RowsPerStrip
      [279, 4, pixels.length], // StripByteCounts
    ];
    const directory = Buffer.alloc(2 + tags.length * 12 + 4);
    directory.writeUInt16LE(tags.length, 0);
    tags.forEach(([tag, type, value], index) => {
      const at = 2 + index * 12;
      directory.writeUInt16LE(tag, at);
      directory.writeUInt16LE(type, at + 2);
      directory.writeUInt32LE(1, at + 4);
      if (type === 3) directory.writeUInt16LE(value, at + 8);
      else directory.writeUInt32LE(value, at + 8);
    });
    previousLink.buffer.writeUInt32LE(length, previousLink.offset);
    previousLink = { buffer: directory, offset: directory.length - 4 };
    parts.push(directory);
    length += directory.length;
  }
  return Buffer.concat(parts);
}

/** Pixels of a binary grey PGM: "P5", width, height, maximum value 255, one whitespace, one byte a pixel. */
function pgmPixels(pgm: Buffer): { width: number; height: number; pixels: Buffer } {
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 64).toString('latin1'));
  if (!header) throw new Error('not an 8-bit binary PGM');
  const width = Number(header[1]);
  const height = Number(header[2]);
  const pixels = pgm.subarray(header[0].length, header[0].length + width * height);
  return { width, height, pixels };
}

/** Width, height and colour components of a baseline or progressive JPEG, from its frame header. */
export function jpegSize(jpeg: Buffer): { width: number; height: number; components: number } {
  let offset = 2; // after the start-of-image marker
  while (offset + 4 <= jpeg.length) {
    if (jpeg[offset] !== 0xff) throw new Error(`not a JPEG marker at byte ${offset}`);
    const marker = jpeg[offset + 1] as number;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    const length = jpeg.readUInt16BE(offset + 2);
    // Start-of-frame markers C0 to CF, except C4 (Huffman tables), C8 (reserved), CC (arithmetic).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return {
        height: jpeg.readUInt16BE(offset + 5),
        width: jpeg.readUInt16BE(offset + 7),
        components: jpeg[offset + 9] as number,
      };
    }
    offset += 2 + length;
  }
  throw new Error('no JPEG frame header found');
}

/**
 * A minimal PDF written by hand: one page per JPEG, the picture filling the page at its resolution.
 * JPEG data goes into the file as it is (the DCTDecode filter), so the PDF carries no text and no
 * fonts: exactly what a scanner's PDF looks like to a text extractor.
 */
export function imageOnlyPdf(images: Array<{ jpeg: Buffer; dpi: number }>): Buffer {
  // The second line's high bytes tell transfer programs the file is binary.
  const header = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const chunks: Buffer[] = [header];
  const offsets: number[] = [];
  let length = header.length;
  const add = (number: number, ...parts: Array<string | Buffer>) => {
    offsets[number - 1] = length;
    for (const part of [`${number} 0 obj\n`, ...parts, '\nendobj\n']) {
      const chunk = typeof part === 'string' ? Buffer.from(part, 'latin1') : part;
      chunks.push(chunk);
      length += chunk.length;
    }
  };
  // Objects: 1 catalogue, 2 page tree, then three per page (page, content stream, image).
  const pageObject = (index: number) => 3 + index * 3;
  add(1, '<< /Type /Catalog /Pages 2 0 R >>');
  add(
    2,
    `<< /Type /Pages /Kids [${images.map((_, i) => `${pageObject(i)} 0 R`).join(' ')}] /Count ${images.length} >>`,
  );
  images.forEach(({ jpeg, dpi }, index) => {
    const { width, height, components } = jpegSize(jpeg);
    const colourSpace = components === 1 ? '/DeviceGray' : components === 4 ? '/DeviceCMYK' : '/DeviceRGB';
    const points = (pixels: number) => ((pixels * 72) / dpi).toFixed(2);
    const page = pageObject(index);
    const drawing = `q ${points(width)} 0 0 ${points(height)} 0 0 cm /Scan Do Q`;
    add(
      page,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${points(width)} ${points(height)}] ` +
        `/Resources << /XObject << /Scan ${page + 2} 0 R >> >> /Contents ${page + 1} 0 R >>`,
    );
    add(page + 1, `<< /Length ${drawing.length} >>\nstream\n${drawing}\nendstream`);
    add(
      page + 2,
      `<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace ${colourSpace} ` +
        `/BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.length} >>\nstream\n`,
      jpeg,
      '\nendstream',
    );
  });
  const xref = length;
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  chunks.push(
    Buffer.from(
      `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${entries}` +
        `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(chunks);
}
