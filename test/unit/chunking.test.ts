import { chunkBlocks, splitToSize, type Chunk } from '../../domain/chunking';
import type { Block } from '../../domain/parsed';
import { filler } from '../support/fixtures';

const heading = (level: number, text: string): Block => ({ kind: 'heading', level, text });
const paragraph = (text: string): Block => ({ kind: 'paragraph', text });

/** Sentences of distinct numbered words, so a lost or duplicated word can be told apart. */
function numberedProse(from: number, words: number, sentenceLength = 12): string {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) {
    const end = (i + 1) % sentenceLength === 0 || i === words - 1;
    parts.push(`word${from + i}${end ? '.' : ''}`);
  }
  return parts.join(' ');
}

const wordsOf = (text: string): string[] => text.match(/[A-Za-z0-9]+/g) ?? [];

function expectNoWordLost(blocks: readonly Block[], chunks: readonly Chunk[]) {
  const chunked = new Set(chunks.flatMap((chunk) => wordsOf(chunk.text)));
  const missing = blocks.flatMap((block) => wordsOf(block.text)).filter((word) => !chunked.has(word));
  expect(missing).toEqual([]);
}

it('gives no chunks for no blocks, and one chunk for a short text', () => {
  expect(chunkBlocks([], { size: 500, overlap: 50 })).toEqual([]);
  expect(chunkBlocks([paragraph('A short note.')], { size: 500, overlap: 50 })).toEqual([
    { index: 0, text: 'A short note.', heading: null },
  ]);
});

it('keeps every chunk within the size and numbers chunks 0..n-1', () => {
  const blocks: Block[] = [
    heading(1, 'Ledger'),
    ...filler(7, 6000).map(paragraph),
    heading(2, 'Harbour'),
    ...filler(11, 4000).map(paragraph),
  ];
  const size = 800;
  const chunks = chunkBlocks(blocks, { size, overlap: 120 });
  expect(chunks.length).toBeGreaterThan(10);
  expect(chunks.map((chunk) => chunk.index)).toEqual(chunks.map((_, i) => i));
  for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(size);
  expectNoWordLost(blocks, chunks);
});

it('packs small paragraphs together up to the size', () => {
  const paragraphs = Array.from({ length: 10 }, (_, i) => paragraph(numberedProse(i * 10, 10)));
  const chunks = chunkBlocks(paragraphs, { size: 300, overlap: 0 });
  expect(chunks.length).toBeLessThan(paragraphs.length);
  expect(chunks[0]?.text).toContain('\n\n');
  expect(chunks.map((chunk) => chunk.text).join('\n\n')).toBe(paragraphs.map((p) => p.text).join('\n\n'));
});

it('records the heading path of the section each chunk starts in', () => {
  const body = (n: number) => paragraph(numberedProse(n * 100, 35));
  const chunks = chunkBlocks(
    [
      heading(1, 'Results'),
      body(1),
      heading(2, 'Costs'),
      body(2),
      heading(3, 'Fuel'),
      body(3),
      heading(2, 'Staff'),
      body(4),
      heading(1, 'Appendix'),
      body(5),
    ],
    { size: 400, overlap: 0 },
  );
  expect(chunks.map((chunk) => chunk.heading)).toEqual([
    'Results',
    'Results > Costs',
    'Results > Costs > Fuel',
    'Results > Staff',
    'Appendix',
  ]);
  expect(chunks.map((chunk) => chunk.text.split('\n\n')[0])).toEqual([
    'Results',
    'Costs',
    'Fuel',
    'Staff',
    'Appendix',
  ]);
});

it('text before any heading has no heading path', () => {
  const chunks = chunkBlocks([paragraph(numberedProse(0, 80)), heading(1, 'Later'), paragraph('Body.')], {
    size: 400,
    overlap: 0,
  });
  expect(chunks[0]?.heading).toBeNull();
  expect(chunks[chunks.length - 1]?.heading).toBe('Later');
});

it('a heading starts a new chunk once the buffer holds a quarter of the size, otherwise merges', () => {
  const size = 400;
  const quarter = paragraph('q'.repeat(size / 4 - 'Intro'.length - 2));
  const started = chunkBlocks([heading(1, 'Intro'), quarter, heading(1, 'Next'), paragraph('Tail text.')], {
    size,
    overlap: 0,
  });
  expect(started.map((chunk) => chunk.heading)).toEqual(['Intro', 'Next']);
  expect(started[1]?.text).toBe('Next\n\nTail text.');

  const crumb = paragraph('q'.repeat(size / 4 - 'Intro'.length - 3));
  const merged = chunkBlocks([heading(1, 'Intro'), crumb, heading(1, 'Next'), paragraph('Tail text.')], {
    size,
    overlap: 0,
  });
  expect(merged).toHaveLength(1);
  expect(merged[0]?.heading).toBe('Intro');
  expect(merged[0]?.text).toBe(`Intro\n\n${crumb.text}\n\nNext\n\nTail text.`);
});

it('carries the overlap from one chunk into the next chunk of the same section', () => {
  const overlap = 60;
  const chunks = chunkBlocks(
    Array.from({ length: 8 }, (_, i) => paragraph(numberedProse(i * 20, 20))),
    { size: 300, overlap },
  );
  expect(chunks.length).toBeGreaterThan(2);
  for (let i = 1; i < chunks.length; i++) {
    const previous = chunks[i - 1]?.text as string;
    const [carried] = (chunks[i]?.text as string).split('\n\n');
    expect(carried && carried.length).toBeGreaterThan(0);
    expect(carried?.length).toBeLessThanOrEqual(overlap);
    expect(previous.endsWith(carried as string)).toBe(true);
  }
});

it('carries no overlap into a chunk that a heading starts', () => {
  const chunks = chunkBlocks(
    [
      heading(1, 'First'),
      paragraph(numberedProse(0, 40)),
      heading(1, 'Second'),
      paragraph(numberedProse(1000, 40)),
    ],
    { size: 400, overlap: 100 },
  );
  const second = chunks.find((chunk) => chunk.heading === 'Second');
  expect(second?.text.startsWith('Second\n\nword1000')).toBe(true);
  expect(
    chunks.filter((chunk) => chunk.heading === 'Second').every((c) => !/word[0-9]{1,3}\b/.test(c.text)),
  ).toBe(true);
});

it('with overlap 0 the chunks partition the text exactly', () => {
  const blocks = Array.from({ length: 12 }, (_, i) => paragraph(numberedProse(i * 30, 30)));
  const chunks = chunkBlocks(blocks, { size: 350, overlap: 0 });
  const chunkedWords = chunks.flatMap((chunk) => wordsOf(chunk.text));
  expect(chunkedWords).toEqual(blocks.flatMap((block) => wordsOf(block.text)));
});

it('splits one huge paragraph at sentence boundaries into chunks within the size', () => {
  const text = numberedProse(0, 2000);
  const size = 500;
  const chunks = chunkBlocks([paragraph(text)], { size, overlap: 50 });
  expect(chunks.length).toBeGreaterThan(text.length / size);
  for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(size);
  expectNoWordLost([paragraph(text)], chunks);
  // Sentence boundaries: with no overlap, every chunk ends at the end of a sentence.
  for (const chunk of chunkBlocks([paragraph(text)], { size, overlap: 0 })) expect(chunk.text).toMatch(/\.$/);
});

it('splits a huge paragraph with no sentence ends at word boundaries', () => {
  const text = Array.from({ length: 800 }, (_, i) => `token${i}`).join(' ');
  const chunks = chunkBlocks([paragraph(text)], { size: 300, overlap: 0 });
  for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(300);
  expect(chunks.flatMap((chunk) => wordsOf(chunk.text))).toEqual(wordsOf(text));
});

it('hard-splits a single word longer than the size, losing nothing', () => {
  const word = Array.from({ length: 5000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const size = 400;
  const chunks = chunkBlocks([paragraph(word)], { size, overlap: 40 });
  expect(chunks.length).toBeGreaterThanOrEqual(Math.ceil(word.length / size));
  for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(size);
  expect(chunks.map((chunk) => chunk.text.replace(/\n\n/g, '')).join('')).toBe(word);
});

it('splitToSize returns short text unchanged and never exceeds the maximum', () => {
  expect(splitToSize('Short.', 100)).toEqual(['Short.']);
  const text = `${numberedProse(0, 300)} ${'z'.repeat(250)} ${numberedProse(300, 50)}`;
  const pieces = splitToSize(text, 120);
  for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(120);
  expect(pieces.join(' ').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
});

describe('regressions', () => {
  it('never carries one section into the next, nor leaves a heading without its text', () => {
    const sectionA = numberedProse(0, 30);
    const sectionB = numberedProse(1000, 100, 1000);
    const blocks = [
      heading(1, 'Section A'),
      paragraph(sectionA),
      heading(1, 'Section B'),
      paragraph(sectionB),
    ];
    const chunks = chunkBlocks(blocks, { size: 1000, overlap: 150 });
    for (const chunk of chunks) {
      expect(chunk.text.endsWith('Section B')).toBe(false);
      if (chunk.heading === 'Section B') expect(wordsOf(chunk.text)).not.toContain('word0');
      if (chunk.heading === 'Section B') expect(chunk.text).not.toMatch(/word([0-9]|[12][0-9])\b/);
    }
    expect(chunks.find((chunk) => chunk.text.includes('Section B'))?.text).toContain('Section B\n\nword1000');
    expectNoWordLost(blocks, chunks);
  });

  it('keeps sentences that start with punctuation whole (.NET, ...and)', () => {
    const text =
      'We ship it on every platform. .NET developers like it. ...and then it ended! ' +
      'filler words here '.repeat(30);
    const pieces = splitToSize(text, 100);
    expect(pieces.join(' ')).toContain('.NET developers');
    expect(pieces.join(' ')).toContain('...and then it ended!');
    expect(pieces.join(' ').replace(/\s+/g, ' ').trim()).toBe(text.replace(/\s+/g, ' ').trim());
  });

  it('never exceeds the size, even with an overlap tail and a separator', () => {
    const blocks = [paragraph(`${'a'.repeat(50)} ${'b'.repeat(49)}`), paragraph('c'.repeat(150))];
    const chunks = chunkBlocks(blocks, { size: 200, overlap: 50 });
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(200);
  });
});

// Re-measuring the chunk per piece made this quadratic (minutes); the test fails by timing out.
it('chunks half a million tiny paragraphs in linear time', () => {
  const blocks = Array.from({ length: 500_000 }, () => paragraph('a'));
  const chunks = chunkBlocks(blocks, { size: 1200, overlap: 150 });
  expect(chunks.length).toBeGreaterThan(1000);
  for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(1200);
}, 10_000);
