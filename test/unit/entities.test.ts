import { hostileTexts } from '../../bench/hostile-texts';
import { validateCartridge } from '../../domain/cartridge';
import {
  compileEntityExtractor,
  entityKey,
  entityLimits,
  extractEntities,
  type ChunkText,
  type EntityDefinition,
} from '../../domain/entities';
import { MissionflowError } from '../../domain/errors';

const chunks = (...texts: string[]): ChunkText[] => texts.map((text, chunkIndex) => ({ chunkIndex, text }));
const names = (definitions: EntityDefinition[], ...texts: string[]) =>
  extractEntities(definitions, chunks(...texts)).entities.map((e) => `${e.type}:${e.name}`);

describe('dictionary terms', () => {
  const people: EntityDefinition = { type: 'Person', terms: ['Ada Lovelace', 'Ada', 'Charles  Babbage'] };

  it('match whole words, ignoring case, with the cartridge spelling as the name', () => {
    const result = extractEntities(
      [people],
      chunks('ADA LOVELACE met charles babbage.', 'Adams, Adah and Ada-like Ada.'),
    );
    expect(result.entities).toEqual([
      { type: 'Person', key: 'ada', name: 'Ada', chunkIndexes: [1] },
      { type: 'Person', key: 'ada lovelace', name: 'Ada Lovelace', chunkIndexes: [0] },
      { type: 'Person', key: 'charles babbage', name: 'Charles Babbage', chunkIndexes: [0] },
    ]);
  });

  it('prefer the longest term at a position and let any whitespace match a space', () => {
    expect(names([people], 'Ada\n\t Lovelace wrote; Ada replied')).toEqual([
      'Person:Ada',
      'Person:Ada Lovelace',
    ]);
    expect(
      names(
        [
          { type: 'Place', terms: ['New York'] },
          { type: 'Newspaper', terms: ['New York Times'] },
        ],
        'the New York Times, in New York',
      ),
    ).toEqual(['Newspaper:New York Times', 'Place:New York']);
  });

  it('handle terms that begin or end with punctuation, and letters beyond ASCII', () => {
    const languages: EntityDefinition = { type: 'Language', terms: ['C++', '.NET', 'Ruby'] };
    expect(names([languages], 'C++ and .NET, not C++x or x.NET; ruby!')).toEqual([
      'Language:.NET',
      'Language:C++',
      'Language:Ruby',
    ]);
    const places: EntityDefinition = { type: 'City', terms: ['Zürich', 'İstanbul', 'Αθήνα'] };
    expect(names([places], 'ZÜRICH, İSTANBUL? αθήνα, not Zürichsee')).toEqual([
      'City:İstanbul',
      'City:Zürich',
      'City:Αθήνα',
    ]);
    // Letters outside the basic plane count as word characters too.
    expect(names([{ type: 'Word', terms: ['ab'] }], 'ab𝐀 𝐀ab ab')).toEqual(['Word:ab']);
    expect(extractEntities([{ type: 'Word', terms: ['ab'] }], chunks('ab𝐀 𝐀ab')).entities).toEqual([]);
  });

  it('respect caseSensitive, keeping case in the key', () => {
    const companies: EntityDefinition = { type: 'Company', terms: ['Apple'], caseSensitive: true };
    const result = extractEntities([companies], chunks('an apple a day', 'Apple shares'));
    expect(result.entities).toEqual([{ type: 'Company', key: 'Apple', name: 'Apple', chunkIndexes: [1] }]);
  });

  it('give every type that lists a term its own entity', () => {
    expect(
      names(
        [
          { type: 'City', terms: ['Paris'] },
          { type: 'Person', terms: ['paris'] },
        ],
        'Paris Hilton in Paris',
      ),
    ).toEqual(['City:Paris', 'Person:paris']);
  });
});

describe('patterns', () => {
  it('name entities by their surface form, keyed case-insensitively unless caseSensitive', () => {
    const definitions: EntityDefinition[] = [
      { type: 'Ticket', patterns: ['\\b[A-Z]{2,5}-\\d+\\b'], caseSensitive: true },
      { type: 'Email', patterns: ['[\\w.]+@[\\w.]+\\.\\w+'] },
    ];
    const result = extractEntities(
      definitions,
      chunks('See OPS-12 from Ada@Example.org', 'ops-12 is not a ticket; ada@example.ORG is the same mail'),
    );
    expect(result.entities).toEqual([
      { type: 'Email', key: 'ada@example.org', name: 'Ada@Example.org', chunkIndexes: [0, 1] },
      { type: 'Ticket', key: 'OPS-12', name: 'OPS-12', chunkIndexes: [0] },
    ]);
  });

  it('ignore overlong matches and collapse whitespace in names', () => {
    const result = extractEntities(
      [{ type: 'Phrase', patterns: ['quick\\s+brown', 'x{10,}'] }],
      chunks(`the quick \n brown fox ${'x'.repeat(entityLimits.maxNameLength + 1)}`),
    );
    expect(result.entities.map((e) => e.name)).toEqual(['quick brown']);
  });
});

describe('mentions and relations', () => {
  const definitions: EntityDefinition[] = [
    { type: 'Person', terms: ['Ada', 'Charles', 'Mary'] },
    { type: 'Machine', terms: ['Engine'] },
  ];

  it('list each entity once per chunk with its occurrences, in order of appearance', () => {
    const { mentions } = extractEntities(definitions, chunks('Engine, Ada, engine, Ada, Ada', 'Mary'));
    expect(mentions).toEqual([
      { type: 'Machine', key: 'engine', name: 'Engine', chunkIndex: 0, occurrences: 2 },
      { type: 'Person', key: 'ada', name: 'Ada', chunkIndex: 0, occurrences: 3 },
      { type: 'Person', key: 'mary', name: 'Mary', chunkIndex: 1, occurrences: 1 },
    ]);
  });

  it('relate every pair in a chunk once, weighted by the number of chunks, never across chunks', () => {
    const result = extractEntities(
      definitions,
      chunks('Ada and Charles and the Engine', 'Charles, Ada, Ada again', 'Mary alone', 'Mary and Ada'),
    );
    expect(result.relations).toEqual([
      { from: { type: 'Machine', key: 'engine' }, to: { type: 'Person', key: 'ada' }, weight: 1 },
      { from: { type: 'Machine', key: 'engine' }, to: { type: 'Person', key: 'charles' }, weight: 1 },
      { from: { type: 'Person', key: 'ada' }, to: { type: 'Person', key: 'charles' }, weight: 2 },
      { from: { type: 'Person', key: 'ada' }, to: { type: 'Person', key: 'mary' }, weight: 1 },
    ]);
    expect(result.entities.find((e) => e.key === 'ada')?.chunkIndexes).toEqual([0, 1, 3]);
    expect(result.truncated).toEqual({ chunks: [], entities: 0, relations: 0 });
  });

  it('give the same output whatever the order of the chunks', () => {
    const texts = chunks('Ada and Charles', 'Mary, Engine and Ada', 'Charles and Mary');
    const forward = extractEntities(definitions, texts);
    expect(extractEntities(definitions, [...texts].reverse())).toEqual(forward);
    expect(compileEntityExtractor(definitions)(texts)).toEqual(forward);
  });

  it('cap entities and pairs per chunk, and say which chunks were capped', () => {
    const terms = Array.from({ length: 300 }, (_, i) => `name${i}`);
    const text = terms.join(' ');
    const result = extractEntities([{ type: 'Name', terms }], chunks(text, 'name1 name2'));
    const firstChunk = result.mentions.filter((m) => m.chunkIndex === 0);
    expect(firstChunk).toHaveLength(entityLimits.maxEntitiesPerChunk);
    expect(firstChunk[0]?.key).toBe('name0'); // the first ones by appearance are kept
    const paired = entityLimits.maxPairedEntitiesPerChunk;
    // Pairs among the first 50 of chunk 0, and name1-name2 once more from chunk 1.
    expect(result.relations).toHaveLength((paired * (paired - 1)) / 2);
    expect(result.relations.find((r) => r.from.key === 'name1' && r.to.key === 'name2')?.weight).toBe(2);
    expect(result.truncated.chunks).toEqual([0]);
  });

  it('stop reading a chunk at the match budget', () => {
    const text = '7 '.repeat(entityLimits.maxMatchesPerChunk + 10);
    const result = extractEntities([{ type: 'Digit', patterns: ['\\d'] }], chunks(text));
    expect(result.mentions).toEqual([
      { type: 'Digit', key: '7', name: '7', chunkIndex: 0, occurrences: entityLimits.maxMatchesPerChunk },
    ]);
    expect(result.truncated.chunks).toEqual([0]);
  });

  it('reads text against a large dictionary to the end (timing: bench/extraction.ts)', () => {
    const extractor = compileEntityExtractor([{ type: 'Thing', terms: hostileTexts.dictionaryTerms() }]);
    const result = extractor(hostileTexts.dictionaryChunks(4));
    expect(result.entities).toEqual([]);
    expect(result.truncated.chunks).toEqual([]);
  });
});

describe('definitions', () => {
  it('are checked again when compiled outside a cartridge', () => {
    expect(() => compileEntityExtractor([{ type: 'bad type', terms: ['x'] }])).toThrow(MissionflowError);
    expect(() => compileEntityExtractor([{ type: 'Code', patterns: ['('] }])).toThrow(
      /entities\.0\.patterns\.0/,
    );
  });
});

describe('keys', () => {
  it('collapse whitespace, normalise to NFC and lower-case unless case-sensitive', () => {
    expect(entityKey('  Ada \n Lovelace ')).toBe('ada lovelace');
    expect(entityKey('Zu\u0308rich')).toBe('zürich');
    expect(entityKey('OPS-12', true)).toBe('OPS-12');
  });
});

describe('the cartridge entities section', () => {
  const base = {
    apiVersion: 'missionflow/v1',
    mission: { id: 'entities', name: 'Entities' },
    lanes: ['standard'],
    routing: { defaultClass: 'general', defaultLane: 'standard' },
    chunking: { size: 1000, overlap: 100 },
    search: { language: 'english' },
  };

  /** Validation expected to fail: returns the field paths it names. */
  function refusedPaths(entities: unknown): string[] {
    try {
      validateCartridge({ ...base, entities });
    } catch (error) {
      expect(error).toBeInstanceOf(MissionflowError);
      return (error as MissionflowError).errors.map((e) => e.path);
    }
    throw new Error('the cartridge was accepted');
  }

  it('defaults to no entities and accepts terms, patterns and caseSensitive', () => {
    expect(validateCartridge(base).entities).toEqual([]);
    const cartridge = validateCartridge({
      ...base,
      entities: [
        { type: 'Person', terms: ['Ada Lovelace'] },
        { type: 'Ticket_ID2', patterns: ['\\b[A-Z]+-\\d+\\b'], caseSensitive: true },
      ],
    });
    expect(cartridge.entities).toEqual([
      { type: 'Person', terms: ['Ada Lovelace'], caseSensitive: false },
      { type: 'Ticket_ID2', patterns: ['\\b[A-Z]+-\\d+\\b'], caseSensitive: true },
    ]);
    // The parsed section is what the extractor takes.
    expect(extractEntities(cartridge.entities, chunks('ada lovelace filed OPS-7')).entities).toHaveLength(2);
  });

  it('refuses types that are not label-safe identifiers, reserved or repeated', () => {
    expect(refusedPaths([{ type: 'person', terms: ['x'] }])).toEqual(['entities.0.type']);
    expect(refusedPaths([{ type: 'Person) DETACH DELETE (n', terms: ['x'] }])).toEqual(['entities.0.type']);
    expect(refusedPaths([{ type: `P${'x'.repeat(64)}`, terms: ['x'] }])).toEqual(['entities.0.type']);
    expect(refusedPaths([{ type: 'Entity', terms: ['x'] }])).toEqual(['entities.0.type']);
    expect(
      refusedPaths([
        { type: 'Person', terms: ['x'] },
        { type: 'Place', terms: ['y'] },
        { type: 'Person', terms: ['z'] },
      ]),
    ).toEqual(['entities.2.type']);
  });

  it('refuses definitions without terms or patterns, blank terms and bad patterns, naming each', () => {
    expect(refusedPaths([{ type: 'Person' }])).toEqual(['entities.0']);
    expect(refusedPaths([{ type: 'Person', terms: [], patterns: [] }])).toEqual(['entities.0']);
    expect(refusedPaths([{ type: 'Person', terms: ['Ada', '  \n '] }])).toEqual(['entities.0.terms.1']);
    expect(refusedPaths([{ type: 'Code', patterns: ['ok', '(unclosed', 'x*'] }])).toEqual([
      'entities.0.patterns.1',
      'entities.0.patterns.2',
    ]);
    // Patterns are checked with the flags the extractor uses (`u`): a lone `\-` escape is invalid there.
    expect(refusedPaths([{ type: 'Code', patterns: ['a\\-b'] }])).toEqual(['entities.0.patterns.0']);
    expect(refusedPaths([{ type: 'Person', terms: ['Ada'], extra: true }])).toEqual(['entities.0']);
  });
});
