import { hostileTexts } from '../../bench/hostile-texts';
import { entityKey, entityLimits, extractEntities, type ChunkText } from '../../domain/entities';
import { extractHeuristicEntities, heuristicEntityTypes } from '../../domain/heuristic-entities';

const chunks = (...texts: string[]): ChunkText[] => texts.map((text, chunkIndex) => ({ chunkIndex, text }));
/** `Type:name` of every entity of the texts, by type then key. */
const names = (...texts: string[]) =>
  extractHeuristicEntities(chunks(...texts)).entities.map((e) => `${e.type}:${e.name}`);
const ofType = (type: string, ...texts: string[]) =>
  extractHeuristicEntities(chunks(...texts))
    .entities.filter((e) => e.type === type)
    .map((e) => e.name);

describe('dates', () => {
  it('finds ISO, day-month-year, month-day-year and slash dates', () => {
    expect(
      ofType(
        'Date',
        'Signed 2024-01-15, then 15 January 2024, January 15, 2024, 3rd Sept. 2023, Mar 1 2022 and 15/01/2024.',
      ),
    ).toEqual([
      '15 January 2024',
      '15/01/2024',
      '2024-01-15',
      '3rd Sept. 2023',
      'January 15, 2024',
      'Mar 1 2022',
    ]);
  });

  it('ignores impossible dates and numbers that only look like dates', () => {
    expect(
      ofType(
        'Date',
        'Codes 2024-13-01, 2024-01-32, 32 January 2024, 31/31/2024, 12024-01-15, 2024-01-15-7, 1/2/24',
      ),
    ).toEqual([]);
  });
});

describe('word boundaries shared with the PII scan', () => {
  it('keep dates and amounts apart from words joined by any connector', () => {
    // U+FF3F fullwidth low line joins like `_`, which always kept them apart; it once did not.
    expect(names('ref\uff3f2024-01-15 ref_2024-01-15 2024-01-15\uff3fx')).toEqual([]);
    expect(ofType('Money', 'ref\uff3fEUR 100, ref\uff3f$5')).toEqual([]);
  });

  it('keep an amount apart from a letter with a combining mark before its symbol', () => {
    // e + U+0301 is é written in two code points: the mark belongs to the word.
    expect(ofType('Money', 'cafe\u0301$5, caf\u00e9$5')).toEqual([]);
    expect(ofType('Money', 'cafe\u0301 $5')).toEqual(['$5']);
  });
});

describe('money', () => {
  it('finds amounts with a currency symbol or code before or after them', () => {
    expect(
      ofType('Money', 'It cost $1,200.50, €30, EUR 1.5 million, 1,000 USD, £2bn, 30 € and US$ 5 in fees.'),
    ).toEqual(['$1,200.50', '1,000 USD', '30 €', 'EUR 1.5 million', 'US$ 5', '£2bn', '€30']);
  });

  it('ignores plain numbers, unknown codes and amounts running into words', () => {
    expect(ofType('Money', 'ISO 9001, 1,200.50, ABC 100, $5x, 10 $20')).toEqual(['$20']);
  });
});

describe('organisations', () => {
  it('finds capitalised runs ending in a legal or organisational suffix', () => {
    expect(
      ofType(
        'Organization',
        'Acme Shipping Ltd sued Procter & Gamble Co, Siemens AG and IBM Corporation; the World Bank, ' +
          'the Bank of England and the Massachusetts Institute of Technology watched, with Barclays plc.',
      ),
    ).toEqual([
      'Acme Shipping Ltd',
      'Bank of England',
      'Barclays plc',
      'IBM Corporation',
      'Massachusetts Institute of Technology',
      'Procter & Gamble Co',
      'Siemens AG',
      'World Bank',
    ]);
  });

  it('needs a name besides the suffix, and skips text in capitals', () => {
    expect(ofType('Organization', 'The Company and its Bank. Ltd. THE ACME SA IS SHOUTING.')).toEqual([]);
  });

  it('trims sentence-start words, and is not also a name', () => {
    expect(names('Yesterday Acme Shipping Ltd said no.')).toEqual(['Organization:Acme Shipping Ltd']);
  });
});

describe('names', () => {
  it('finds runs of 2 to 4 capitalised words, with particles inside', () => {
    expect(
      ofType(
        'Name',
        'Ada Lovelace met Charles Babbage. Ludwig van Beethoven, Ursula von der Leyen and José María Aznar ' +
          'wrote to Jean-Luc Picard and Seán O’Brien.',
      ),
    ).toEqual([
      'Ada Lovelace',
      'Charles Babbage',
      'Jean-Luc Picard',
      'José María Aznar',
      'Ludwig van Beethoven',
      'Seán O’Brien',
      'Ursula von der Leyen',
    ]);
  });

  it('never takes a single capitalised word, at a sentence start or elsewhere', () => {
    expect(names('Paris is lovely. Yesterday we met Ada. The Engine ran. In Rome, Ada smiled.')).toEqual([]);
  });

  it('trims sentence-start filler, titles and months from the start of a run', () => {
    expect(
      ofType(
        'Name',
        'In January Ada Lovelace wrote. Dear Mr John Smith, However Mary Jones replied. The Engine.',
      ),
    ).toEqual(['Ada Lovelace', 'John Smith', 'Mary Jones']);
  });

  it('skips long capitalised runs (headings), capitals, and runs broken by punctuation or blank lines', () => {
    expect(
      names('The Quick Brown Fox Jumps Over. NASA REPORT. Ada. Lovelace. Ada,\nLovelace. Grace\n\nHopper.'),
    ).toEqual([]);
    // One line break is not a boundary.
    expect(names('Grace\nHopper')).toEqual(['Name:Grace Hopper']);
  });

  it('does not take words already claimed by a date, an amount or an organisation', () => {
    expect(names('On 15 January 2024 Acme Ltd paid EUR 1.5 million.')).toEqual([
      'Date:15 January 2024',
      'Money:EUR 1.5 million',
      'Organization:Acme Ltd',
    ]);
  });
});

describe('output', () => {
  it('has the shape of the cartridge extractor: mentions, entities, relations and truncation', () => {
    const result = extractHeuristicEntities(
      chunks(
        'Ada Lovelace joined Acme Ltd on 2024-01-15; Ada  Lovelace was paid $100.',
        'Nothing here.',
        'ADA LOVELACE? No: Ada Lovelace and Acme Ltd again.',
      ),
    );
    expect(result.mentions).toEqual([
      { type: 'Name', key: 'ada lovelace', name: 'Ada Lovelace', chunkIndex: 0, occurrences: 2 },
      { type: 'Organization', key: 'acme ltd', name: 'Acme Ltd', chunkIndex: 0, occurrences: 1 },
      { type: 'Date', key: '2024-01-15', name: '2024-01-15', chunkIndex: 0, occurrences: 1 },
      { type: 'Money', key: '$100', name: '$100', chunkIndex: 0, occurrences: 1 },
      { type: 'Name', key: 'ada lovelace', name: 'Ada Lovelace', chunkIndex: 2, occurrences: 1 },
      { type: 'Organization', key: 'acme ltd', name: 'Acme Ltd', chunkIndex: 2, occurrences: 1 },
    ]);
    expect(result.entities).toEqual([
      { type: 'Date', key: '2024-01-15', name: '2024-01-15', chunkIndexes: [0] },
      { type: 'Money', key: '$100', name: '$100', chunkIndexes: [0] },
      { type: 'Name', key: 'ada lovelace', name: 'Ada Lovelace', chunkIndexes: [0, 2] },
      { type: 'Organization', key: 'acme ltd', name: 'Acme Ltd', chunkIndexes: [0, 2] },
    ]);
    const date = { type: 'Date', key: '2024-01-15' };
    const money = { type: 'Money', key: '$100' };
    const name = { type: 'Name', key: 'ada lovelace' };
    const organization = { type: 'Organization', key: 'acme ltd' };
    expect(result.relations).toEqual([
      { from: date, to: money, weight: 1 },
      { from: date, to: name, weight: 1 },
      { from: date, to: organization, weight: 1 },
      { from: money, to: name, weight: 1 },
      { from: money, to: organization, weight: 1 },
      { from: name, to: organization, weight: 2 },
    ]);
    expect(result.truncated).toEqual({ chunks: [], entities: 0, relations: 0 });
    expect(new Set(result.entities.map((e) => e.type))).toEqual(new Set(heuristicEntityTypes));
    for (const entity of result.entities) expect(entity.key).toBe(entityKey(entity.name));
  });

  it('is deterministic and independent of the order of the chunks', () => {
    const texts = chunks(
      'Ada Lovelace met Charles Babbage on 15 January 1833.',
      'Acme Shipping Ltd paid €30 to Grace Hopper.',
      'Charles Babbage and Grace Hopper, 2024-01-15.',
    );
    const forward = extractHeuristicEntities(texts);
    expect(extractHeuristicEntities(texts)).toEqual(forward);
    expect(extractHeuristicEntities([...texts].reverse())).toEqual(forward);
  });

  it('agrees in form with the cartridge extractor for the same surface', () => {
    const text = chunks('Ada Lovelace and Ada  Lovelace');
    const cartridge = extractEntities([{ type: 'Name', patterns: ['Ada\\s+Lovelace'] }], text);
    expect(extractHeuristicEntities(text)).toEqual(cartridge);
  });

  it('applies the per-chunk caps of the cartridge extractor', () => {
    const people = Array.from(
      { length: 300 },
      (_, i) => `Person ${String.fromCharCode(0x41 + (i % 26))}${'a'.repeat(1 + Math.floor(i / 26))}`,
    );
    const result = extractHeuristicEntities(chunks(people.join(', ')));
    expect(result.mentions).toHaveLength(entityLimits.maxEntitiesPerChunk);
    expect(result.truncated.chunks).toEqual([0]);
  });

  it('stops reading a chunk at the match budget', () => {
    const result = extractHeuristicEntities(
      chunks('Ada Lovelace, '.repeat(entityLimits.maxMatchesPerChunk + 5)),
    );
    expect(result.mentions).toEqual([
      {
        type: 'Name',
        key: 'ada lovelace',
        name: 'Ada Lovelace',
        chunkIndex: 0,
        occurrences: entityLimits.maxMatchesPerChunk,
      },
    ]);
    expect(result.truncated.chunks).toEqual([0]);
  });

  it('reads large and hostile texts to the end, within its caps (timing: bench/extraction.ts)', () => {
    for (const text of hostileTexts.heuristic) {
      const result = extractHeuristicEntities([{ chunkIndex: 0, text: text.repeat(2) }]);
      expect(result.entities.length).toBeLessThanOrEqual(entityLimits.maxEntitiesPerChunk);
      const matches = result.mentions.reduce((sum, mention) => sum + mention.occurrences, 0);
      expect(matches).toBeLessThanOrEqual(entityLimits.maxMatchesPerChunk);
    }
  });
});
