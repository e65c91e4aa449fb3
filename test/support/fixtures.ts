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
