import { Document, HeadingLevel, Packer, Paragraph } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { ZipFile } from 'yazl';

/** Real documents generated with independent libraries, so parsers meet files they did not write. */
export async function makePdf(title: string, paragraphs: string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(title);
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  let page = pdf.addPage([595, 842]);
  let y = 800;
  for (const paragraph of [title, ...paragraphs]) {
    for (const line of wrap(paragraph, 80)) {
      if (y < 60) {
        page = pdf.addPage([595, 842]);
        y = 800;
      }
      page.drawText(line, { x: 50, y, size: 11, font });
      y -= 16;
    }
    y -= 16;
  }
  return Buffer.from(await pdf.save());
}

export async function makeDocx(title: string, paragraphs: string[]): Promise<Buffer> {
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: title, heading: HeadingLevel.HEADING_1 }),
          ...paragraphs.map((text) => new Paragraph({ text })),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

/** A zip archive holding these entries (name to content), in the order given. */
export async function zipOf(entries: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new ZipFile();
  for (const [name, content] of Object.entries(entries)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  const parts: Buffer[] = [];
  for await (const part of zip.outputStream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * A Word-looking archive (content types and word/document.xml first) with one entry that inflates
 * to `inflatedBytes` of zeros: a few hundred KB on disk.
 */
export async function makeDocxBomb(inflatedBytes: number): Promise<Buffer> {
  const zip = new ZipFile();
  zip.addBuffer(
    Buffer.from(
      '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>',
    ),
    '[Content_Types].xml',
  );
  zip.addBuffer(Buffer.from('<w:document/>'), 'word/document.xml');
  const block = Buffer.alloc(16 * 1024 * 1024);
  const { Readable } = await import('node:stream');
  let remaining = inflatedBytes;
  const zeros = new Readable({
    read() {
      if (remaining <= 0) {
        this.push(null);
        return;
      }
      const size = Math.min(block.length, remaining);
      remaining -= size;
      this.push(block.subarray(0, size));
    },
  });
  zip.addReadStream(zeros, 'word/media/padding.bin');
  zip.end();
  const parts: Buffer[] = [];
  for await (const part of zip.outputStream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * A valid one-page PDF whose content stream is `inflatedBytes` of spaces, Flate-compressed to a
 * small fraction: pdf.js decodes the whole stream to extract text.
 */
export async function makePdfBomb(inflatedBytes: number): Promise<Buffer> {
  const { createDeflate } = await import('node:zlib');
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (part: Buffer) => compressed.push(part));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const block = Buffer.alloc(16 * 1024 * 1024, ' ');
  for (let written = 0; written < inflatedBytes; written += block.length) {
    if (!deflate.write(block.subarray(0, Math.min(block.length, inflatedBytes - written)))) {
      await new Promise((resolve) => deflate.once('drain', resolve));
    }
  }
  deflate.end();
  await done;
  const stream = Buffer.concat(compressed);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << >> >>',
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n')];
  const offsets: number[] = [];
  const length = () => parts.reduce((sum, part) => sum + part.length, 0);
  objects.forEach((body, i) => {
    offsets.push(length());
    parts.push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`));
  });
  offsets.push(length());
  parts.push(Buffer.from(`4 0 obj\n<< /Length ${stream.length} /Filter /FlateDecode >>\nstream\n`), stream);
  parts.push(Buffer.from('\nendstream\nendobj\n'));
  const xref = length();
  const entries = offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(
    Buffer.from(
      `xref\n0 5\n0000000000 65535 f \n${entries}trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
    ),
  );
  return Buffer.concat(parts);
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Filler prose of roughly `characters` length, so documents span several chunks. */
export function filler(seed: number, characters: number): string[] {
  const words = [
    'river',
    'ledger',
    'harbour',
    'signal',
    'copper',
    'meadow',
    'lantern',
    'quarry',
    'orchard',
    'summit',
  ];
  const paragraphs: string[] = [];
  let total = 0;
  let n = seed;
  while (total < characters) {
    const sentence: string[] = [];
    for (let i = 0; i < 60; i++) {
      n = (n * 1103515245 + 12345) % 2147483648;
      sentence.push(words[n % words.length] as string);
    }
    const paragraph = `${sentence.join(' ')}.`;
    paragraphs.push(paragraph);
    total += paragraph.length;
  }
  return paragraphs;
}
