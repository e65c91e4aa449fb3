import { ZipFile } from 'yazl';
import { zipOf } from '../support/fixtures';
import { MissionflowError } from '../../domain/errors';
import { docxMediaType, sniffMediaType, type SniffHints } from '../../domain/media-types';
import { makeDocx, makePdf } from '../support/fixtures';

function refusal(head: Uint8Array, hints?: SniffHints): MissionflowError {
  try {
    sniffMediaType(head, hints);
  } catch (error) {
    expect(error).toBeInstanceOf(MissionflowError);
    return error as MissionflowError;
  }
  throw new Error('the bytes were accepted');
}

const text = (value: string) => Buffer.from(value, 'utf8');

describe('binary formats', () => {
  it('recognises a PDF by its signature, whatever is declared', async () => {
    const pdf = await makePdf('Title', ['Body text.']);
    expect(sniffMediaType(pdf)).toBe('application/pdf');
    expect(sniffMediaType(pdf, { declaredType: 'text/plain', filename: 'notes.txt' })).toBe(
      'application/pdf',
    );
  });

  it('recognises a Word document inside a ZIP', async () => {
    const docx = await makeDocx('Title', ['Body text.']);
    expect(sniffMediaType(docx)).toBe(docxMediaType);
    expect(sniffMediaType(docx, { declaredType: 'application/zip', filename: 'x.zip' })).toBe(docxMediaType);
  });

  it('refuses a ZIP archive that is not a Word document', async () => {
    const plainZip = await zipOf({ 'notes.txt': 'hello', 'images/a.txt': 'world' });
    const failure = refusal(plainZip, { filename: 'report.docx', declaredType: docxMediaType });
    expect(failure.code).toBe('unsupported_media_type');
    expect(failure.status).toBe(415);
  });

  it.each(['password/list.txt', 'keyword/notes.txt', 'crossword/x.xml', 'backups/[Content_Types].xml'])(
    'refuses a ZIP whose part %s merely contains a Word-like name',
    async (name) => {
      const zip = new ZipFile();
      zip.addBuffer(Buffer.from('not a word document'), name);
      zip.end();
      const parts: Buffer[] = [];
      for await (const part of zip.outputStream) parts.push(part as Buffer);
      expect(() => sniffMediaType(Buffer.concat(parts))).toThrow(
        expect.objectContaining({ code: 'unsupported_media_type' }),
      );
    },
  );

  it('refuses other Office packages (spreadsheets, slides)', async () => {
    const types = '<?xml version="1.0"?><Types/>';
    const xlsx = await zipOf({ '[Content_Types].xml': types, 'xl/workbook.xml': '<workbook/>' });
    expect(refusal(xlsx).code).toBe('unsupported_media_type');
    const pptx = await zipOf({ '[Content_Types].xml': types, 'ppt/presentation.xml': '<p/>' });
    expect(refusal(pptx).code).toBe('unsupported_media_type');
  });

  it('recognises the images OCR reads by their signatures, whatever the name says', () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
      Buffer.from('IHDR'),
      Buffer.alloc(64, 1),
    ]);
    expect(sniffMediaType(png, { declaredType: 'text/plain', filename: 'image.txt' })).toBe('image/png');
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
      Buffer.from('JFIF'),
      Buffer.alloc(64),
    ]);
    expect(sniffMediaType(jpeg)).toBe('image/jpeg');
    const tiff = Buffer.concat([Buffer.from('II*\u0000', 'latin1'), Buffer.alloc(64)]);
    expect(sniffMediaType(tiff)).toBe('image/tiff');
  });

  it('refuses an ELF executable and a GIF image', () => {
    const elf = Buffer.concat([
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]),
      Buffer.alloc(56),
      Buffer.from('more bytes'),
    ]);
    expect(refusal(elf).code).toBe('unsupported_media_type');
    const gif = Buffer.concat([
      Buffer.from('GIF89a', 'latin1'),
      Buffer.from([1, 0, 1, 0, 0x80, 0, 0]),
      Buffer.alloc(64, 1),
    ]);
    const failure = refusal(gif, { declaredType: 'text/plain', filename: 'image.txt' });
    expect(failure.code).toBe('unsupported_media_type');
    expect(failure.message).toMatch(/gif/i);
  });

  it('refuses bytes full of control characters even without a known signature', () => {
    const noise = Buffer.from(Array.from({ length: 200 }, (_, i) => (i % 3 === 0 ? 0x01 : 0x41)));
    expect(refusal(noise).code).toBe('unsupported_media_type');
  });
});

describe('text', () => {
  it('is plain text by default', () => {
    expect(sniffMediaType(text('Just some words.\nAnother line.'))).toBe('text/plain');
    expect(sniffMediaType(text('Tab\tseparated\r\nlines\fform feed'))).toBe('text/plain');
  });

  it('is plain text even when it starts like a binary signature', () => {
    expect(sniffMediaType(text('MZ is how the memo begins, not an executable.'))).toBe('text/plain');
    expect(sniffMediaType(text('ID3 tags were discussed in the meeting.'))).toBe('text/plain');
  });

  it('recognises HTML by its markup, even when declared as plain text', () => {
    const page = '<!DOCTYPE html><html><head><title>T</title></head><body><p>Hi</p></body></html>';
    expect(sniffMediaType(text(page))).toBe('text/html');
    expect(sniffMediaType(text(page), { declaredType: 'text/plain', filename: 'page.txt' })).toBe(
      'text/html',
    );
    expect(sniffMediaType(text('  <!-- generated -->\n<html lang="en"><body>x</body></html>'))).toBe(
      'text/html',
    );
    expect(sniffMediaType(text('<?xml version="1.0"?>\n<html><body>x</body></html>'))).toBe('text/html');
    expect(sniffMediaType(text('<BODY>upper case</BODY>'))).toBe('text/html');
  });

  it('takes a declared text/html when the text holds markup, and not otherwise', () => {
    expect(sniffMediaType(text('<p>fragment</p>'), { declaredType: 'text/html; charset=utf-8' })).toBe(
      'text/html',
    );
    expect(sniffMediaType(text('no markup at all'), { declaredType: 'text/html' })).toBe('text/plain');
    expect(sniffMediaType(text('<p>fragment</p>'))).toBe('text/plain');
  });

  it('is Markdown when declared so or named .md / .markdown', () => {
    const markdown = text('# Title\n\nSome *emphasis*.');
    expect(sniffMediaType(markdown)).toBe('text/plain');
    expect(sniffMediaType(markdown, { declaredType: 'text/markdown' })).toBe('text/markdown');
    expect(sniffMediaType(markdown, { declaredType: 'Text/X-Markdown; charset=utf-8' })).toBe(
      'text/markdown',
    );
    expect(sniffMediaType(markdown, { filename: 'README.md' })).toBe('text/markdown');
    expect(sniffMediaType(markdown, { filename: 'notes.MARKDOWN' })).toBe('text/markdown');
    expect(sniffMediaType(markdown, { filename: 'notes.md.txt' })).toBe('text/plain');
  });

  it('lets an authoritative declared type keep markup as verbatim text', () => {
    const page = text('<html><body>x</body></html>');
    expect(sniffMediaType(page, { declaredType: 'text/plain', declaredTextIsAuthoritative: true })).toBe(
      'text/plain',
    );
    expect(sniffMediaType(page, { declaredType: 'text/html', declaredTextIsAuthoritative: true })).toBe(
      'text/html',
    );
    expect(
      sniffMediaType(text('# T'), { declaredType: 'text/markdown', declaredTextIsAuthoritative: true }),
    ).toBe('text/markdown');
  });

  it('reads UTF-16 with a byte-order mark as text despite its NUL bytes', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Plain words in UTF-16.', 'utf16le')]);
    expect(sniffMediaType(le)).toBe('text/plain');
    const be = Buffer.from(le);
    be.swap16();
    expect(sniffMediaType(be)).toBe('text/plain');
    const html = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('<html><body>x</body></html>', 'utf16le'),
    ]);
    expect(sniffMediaType(html)).toBe('text/html');
  });

  it('refuses UTF-16 without a byte-order mark (NUL bytes mean binary)', () => {
    expect(refusal(Buffer.from('Plain words in UTF-16.', 'utf16le')).code).toBe('unsupported_media_type');
  });

  it('reads Windows-1252 text as text', () => {
    expect(sniffMediaType(Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b]))).toBe('text/plain');
  });
});

// A backtracking pattern over leading comments took exponential time; the test fails by timing out.
it('sniffs text full of HTML comments without backtracking', () => {
  expect(sniffMediaType(Buffer.from(`${'<!---->'.repeat(5000)}x`))).toBe('text/plain');
  expect(sniffMediaType(Buffer.from(`${'<!-- c -->'.repeat(50)}\n<html><body>x</body></html>`))).toBe(
    'text/html',
  );
}, 10_000);
