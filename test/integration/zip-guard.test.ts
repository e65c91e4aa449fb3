import { ZipFile } from 'yazl';
import { MissionflowError } from '../../domain/errors';
import { assertZipWithinLimits, type ZipLimits } from '../../adapters/parsers/zip-guard';
import { makeDocx, makeDocxBomb } from '../support/fixtures';

type Entry = { name: string; bytes: Buffer; compress?: boolean } | { directory: string };

async function zipOf(entries: Entry[]): Promise<Buffer> {
  const zip = new ZipFile();
  for (const entry of entries) {
    if ('directory' in entry) zip.addEmptyDirectory(entry.directory);
    else zip.addBuffer(entry.bytes, entry.name, { compress: entry.compress ?? true });
  }
  zip.end();
  const parts: Buffer[] = [];
  for await (const part of zip.outputStream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const generous: ZipLimits = { maxInflatedBytes: 10 * 1024 * 1024, maxEntries: 100 };

async function refusalOf(bytes: Buffer, limits: ZipLimits): Promise<MissionflowError> {
  try {
    await assertZipWithinLimits(bytes, limits);
  } catch (error) {
    expect(error).toBeInstanceOf(MissionflowError);
    return error as MissionflowError;
  }
  throw new Error('the archive was accepted');
}

it('passes an archive within limits', async () => {
  const zip = await zipOf([
    { name: 'a.txt', bytes: Buffer.from('alpha') },
    { directory: 'folder/' },
    { name: 'folder/b.bin', bytes: Buffer.alloc(100_000, 1) },
    { name: 'stored.txt', bytes: Buffer.from('not deflated'), compress: false },
  ]);
  await expect(assertZipWithinLimits(zip, generous)).resolves.toBeUndefined();
});

it('passes a real Word document with the default cartridge limits', async () => {
  const docx = await makeDocx('Title', ['First paragraph.', 'Second paragraph.']);
  await expect(
    assertZipWithinLimits(docx, { maxInflatedBytes: 200 * 1024 * 1024, maxEntries: 1000 }),
  ).resolves.toBeUndefined();
});

it('passes an archive that inflates to exactly the limit', async () => {
  const zip = await zipOf([
    { name: 'a.bin', bytes: Buffer.alloc(600, 2) },
    { name: 'b.bin', bytes: Buffer.alloc(400, 3) },
  ]);
  await expect(
    assertZipWithinLimits(zip, { maxInflatedBytes: 1000, maxEntries: 2 }),
  ).resolves.toBeUndefined();
});

it('refuses an entry that inflates beyond the limit', async () => {
  const zip = await zipOf([{ name: 'zeros.bin', bytes: Buffer.alloc(2 * 1024 * 1024) }]);
  expect(zip.length).toBeLessThan(64 * 1024);
  const failure = await refusalOf(zip, { maxInflatedBytes: 1024 * 1024, maxEntries: 10 });
  expect(failure.code).toBe('decompression_limit');
  expect(failure.status).toBe(422);
});

it('counts the total over all entries, not each entry alone', async () => {
  const entries = Array.from({ length: 5 }, (_, i) => ({
    name: `part${i}.bin`,
    bytes: Buffer.alloc(300, i),
  }));
  const failure = await refusalOf(await zipOf(entries), { maxInflatedBytes: 1000, maxEntries: 10 });
  expect(failure.code).toBe('decompression_limit');
});

it('refuses a Word-looking decompression bomb', async () => {
  const bomb = await makeDocxBomb(64 * 1024 * 1024);
  expect(bomb.length).toBeLessThan(1024 * 1024);
  const failure = await refusalOf(bomb, { maxInflatedBytes: 8 * 1024 * 1024, maxEntries: 100 });
  expect(failure.code).toBe('decompression_limit');
});

it('refuses an archive whose central directory understates the inflated size', async () => {
  const zip = await zipOf([{ name: 'liar.bin', bytes: Buffer.alloc(4 * 1024 * 1024) }]);
  // Rewrite the uncompressed size in the central directory (and local header) to claim 10 bytes.
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  expect(central).toBeGreaterThan(0);
  zip.writeUInt32LE(10, central + 24);
  zip.writeUInt32LE(10, 22);
  const failure = await refusalOf(zip, { maxInflatedBytes: 1024 * 1024, maxEntries: 10 });
  expect(['decompression_limit', 'parse_failed']).toContain(failure.code);
});

it('refuses too many entries before inflating any', async () => {
  const entries = Array.from({ length: 11 }, (_, i) => ({
    name: `f${i}.txt`,
    bytes: Buffer.from(`file ${i}`),
  }));
  const zip = await zipOf(entries);
  const failure = await refusalOf(zip, { maxInflatedBytes: 1024 * 1024, maxEntries: 10 });
  expect(failure.code).toBe('decompression_limit');
  expect(failure.message).toContain('11 entries');
  await expect(
    assertZipWithinLimits(zip, { maxInflatedBytes: 1024 * 1024, maxEntries: 11 }),
  ).resolves.toBeUndefined();
});

it.each([
  ['random bytes', Buffer.from('this is certainly not a zip archive, just some text')],
  ['an empty buffer', Buffer.alloc(0)],
])('refuses %s as parse_failed', async (_label, bytes) => {
  const failure = await refusalOf(bytes, generous);
  expect(failure.code).toBe('parse_failed');
  expect(failure.message).toMatch(/not a readable archive/);
});

it('refuses a truncated archive as parse_failed', async () => {
  const zip = await zipOf([{ name: 'a.txt', bytes: Buffer.alloc(50_000, 5) }]);
  const failure = await refusalOf(zip.subarray(0, zip.length - 10), generous);
  expect(failure.code).toBe('parse_failed');
});

it('refuses an archive with corrupted compressed data as parse_failed', async () => {
  const text = Buffer.from(Array.from({ length: 2000 }, (_, i) => `line ${i} of varied text\n`).join(''));
  const zip = await zipOf([{ name: 'a.txt', bytes: text }]);
  // The compressed data starts after the 30-byte local header and the file name.
  for (let i = 30 + 'a.txt'.length + 10; i < 30 + 'a.txt'.length + 200; i++) zip[i] = 0xff;
  const failure = await refusalOf(zip, generous);
  expect(failure.code).toBe('parse_failed');
});
