import { parseMarkdown } from '../../adapters/parsers/markdown';

it('reads ATX headings with optional closing hashes, and nothing else as a heading', () => {
  const parsed = parseMarkdown(
    ['# Title', '', '## Closed ##', '', '### C#', '', '#NoSpace', '', '####### seven', '', 'text'].join('\n'),
  );
  expect(parsed.title).toBe('Title');
  expect(parsed.blocks).toEqual([
    { kind: 'heading', level: 1, text: 'Title' },
    { kind: 'heading', level: 2, text: 'Closed' },
    { kind: 'heading', level: 3, text: 'C#' },
    { kind: 'paragraph', text: '#NoSpace' },
    { kind: 'paragraph', text: '####### seven' },
    { kind: 'paragraph', text: 'text' },
  ]);
});

it('keeps fenced code, including lines that look like headings, as text', () => {
  const parsed = parseMarkdown('```\n# not a heading\n```\n\n# Real');
  expect(parsed.blocks[0]).toEqual({ kind: 'paragraph', text: '```\n# not a heading\n```' });
  expect(parsed.blocks[1]).toEqual({ kind: 'heading', level: 1, text: 'Real' });
});

// A backtracking heading pattern took hours on this 120 KB line; the test fails by timing out.
it('reads a huge heading line of unusual spaces without backtracking', () => {
  const parsed = parseMarkdown(`# a${'\u3000'.repeat(40_000)}b`);
  expect(parsed.blocks).toHaveLength(1);
  expect(parsed.blocks[0]).toMatchObject({ kind: 'heading', level: 1 });
}, 10_000);
