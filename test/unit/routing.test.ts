import { validateCartridge, type Cartridge } from '../../domain/cartridge';
import { docxMediaType } from '../../domain/media-types';
import { routeDocument, type DocumentFacts } from '../../domain/routing';

function cartridgeWith(rules: unknown[]): Cartridge {
  return validateCartridge({
    apiVersion: 'missionflow/v1',
    mission: { id: 'routing', name: 'Routing' },
    lanes: ['standard'],
    routing: { defaultClass: 'general', defaultLane: 'standard', rules },
    chunking: { size: 1000, overlap: 100 },
    search: { language: 'simple' },
  });
}

const facts = (overrides: Partial<DocumentFacts> = {}): DocumentFacts => ({
  mediaType: 'text/plain',
  sizeBytes: 1000,
  title: null,
  metadata: {},
  pageCount: null,
  language: null,
  ...overrides,
});

const rule = (name: string, when: Record<string, unknown>) => ({
  name,
  when,
  class: `${name}-class`,
  lane: 'standard',
});

it('falls back to the default class and lane with no rule when nothing matches', () => {
  const cartridge = cartridgeWith([rule('html', { mediaTypes: ['text/html'] })]);
  expect(routeDocument(cartridge, facts())).toEqual({
    documentClass: 'general',
    lane: 'standard',
    rule: null,
    confidence: 1,
  });
  expect(routeDocument(cartridgeWith([]), facts())).toEqual({
    documentClass: 'general',
    lane: 'standard',
    rule: null,
    confidence: 1,
  });
});

it('the first matching rule wins, in cartridge order', () => {
  const cartridge = cartridgeWith([
    rule('first', { mediaTypes: ['text/plain'] }),
    rule('second', { mediaTypes: ['text/plain'] }),
  ]);
  expect(routeDocument(cartridge, facts())).toEqual({
    documentClass: 'first-class',
    lane: 'standard',
    rule: 'first',
    confidence: 1,
  });
});

it('a rule with no conditions matches everything', () => {
  const cartridge = cartridgeWith([
    rule('narrow', { mediaTypes: ['application/pdf'] }),
    rule('catch-all', {}),
  ]);
  expect(routeDocument(cartridge, facts()).rule).toBe('catch-all');
  expect(routeDocument(cartridge, facts({ mediaType: 'application/pdf' })).rule).toBe('narrow');
});

it('matches media types exactly against the list', () => {
  const cartridge = cartridgeWith([rule('office', { mediaTypes: ['application/pdf', docxMediaType] })]);
  expect(routeDocument(cartridge, facts({ mediaType: docxMediaType })).rule).toBe('office');
  expect(routeDocument(cartridge, facts({ mediaType: 'application/pdf' })).rule).toBe('office');
  expect(routeDocument(cartridge, facts({ mediaType: 'text/markdown' })).rule).toBeNull();
});

it('size bounds are inclusive', () => {
  const cartridge = cartridgeWith([rule('mid', { minBytes: 100, maxBytes: 200 })]);
  expect(routeDocument(cartridge, facts({ sizeBytes: 99 })).rule).toBeNull();
  expect(routeDocument(cartridge, facts({ sizeBytes: 100 })).rule).toBe('mid');
  expect(routeDocument(cartridge, facts({ sizeBytes: 200 })).rule).toBe('mid');
  expect(routeDocument(cartridge, facts({ sizeBytes: 201 })).rule).toBeNull();
});

it('routes by size to the first band that fits', () => {
  const cartridge = cartridgeWith([
    rule('small', { maxBytes: 1000 }),
    rule('medium', { maxBytes: 100_000 }),
    rule('large', { minBytes: 100_001 }),
  ]);
  expect(routeDocument(cartridge, facts({ sizeBytes: 10 })).rule).toBe('small');
  expect(routeDocument(cartridge, facts({ sizeBytes: 5000 })).rule).toBe('medium');
  expect(routeDocument(cartridge, facts({ sizeBytes: 5_000_000 })).rule).toBe('large');
});

it('title patterns are case-insensitive regular expressions', () => {
  const cartridge = cartridgeWith([rule('reports', { titlePattern: '^report\\b' })]);
  expect(routeDocument(cartridge, facts({ title: 'REPORT on costs' })).rule).toBe('reports');
  expect(routeDocument(cartridge, facts({ title: 'Report' })).rule).toBe('reports');
  expect(routeDocument(cartridge, facts({ title: 'Annual report' })).rule).toBeNull();
  expect(routeDocument(cartridge, facts({ title: 'Reporting' })).rule).toBeNull();
});

it('a title pattern does not match a document without a title unless it accepts the empty string', () => {
  const strict = cartridgeWith([rule('titled', { titlePattern: '.+' })]);
  expect(routeDocument(strict, facts({ title: null })).rule).toBeNull();
  const lenient = cartridgeWith([rule('anything', { titlePattern: '^$' })]);
  expect(routeDocument(lenient, facts({ title: null })).rule).toBe('anything');
});

it('every condition of a rule must hold', () => {
  const cartridge = cartridgeWith([
    rule('big-html-report', { mediaTypes: ['text/html'], minBytes: 500, titlePattern: 'report' }),
  ]);
  const match = facts({ mediaType: 'text/html', sizeBytes: 600, title: 'Quarterly Report' });
  expect(routeDocument(cartridge, match).rule).toBe('big-html-report');
  expect(routeDocument(cartridge, { ...match, mediaType: 'text/plain' }).rule).toBeNull();
  expect(routeDocument(cartridge, { ...match, sizeBytes: 499 }).rule).toBeNull();
  expect(routeDocument(cartridge, { ...match, title: 'Minutes' }).rule).toBeNull();
});

it('metadata patterns match the named field as text, case-insensitively; a missing field fails', () => {
  const cartridge = cartridgeWith([
    rule('scans', { metadata: { source: '^scanner-\\d+$', pages: '^[0-9]{3,}$' } }),
  ]);
  expect(routeDocument(cartridge, facts({ metadata: { source: 'SCANNER-7', pages: 300 } })).rule).toBe(
    'scans',
  );
  expect(routeDocument(cartridge, facts({ metadata: { source: 'scanner-7', pages: 12 } })).rule).toBeNull();
  expect(routeDocument(cartridge, facts({ metadata: { source: 'scanner-7' } })).rule).toBeNull();
  expect(routeDocument(cartridge, facts({ metadata: { source: null, pages: 300 } })).rule).toBeNull();
});

it("each decision carries its confidence: the rule's, or the default's when nothing matched", () => {
  const cartridge = validateCartridge({
    apiVersion: 'missionflow/v1',
    mission: { id: 'routing', name: 'Routing' },
    lanes: ['standard', 'fast'],
    routing: {
      defaultClass: 'general',
      defaultLane: 'standard',
      defaultConfidence: 0.4,
      rules: [{ name: 'notes', when: { maxBytes: 100 }, class: 'note', lane: 'fast', confidence: 0.9 }],
    },
    chunking: { size: 1000, overlap: 100 },
    search: { language: 'simple' },
  });
  expect(routeDocument(cartridge, facts({ sizeBytes: 50 }))).toEqual({
    documentClass: 'note',
    lane: 'fast',
    rule: 'notes',
    confidence: 0.9,
  });
  expect(routeDocument(cartridge, facts({ sizeBytes: 5000 })).confidence).toBe(0.4);
});

it('an invalid metadata pattern is a cartridge error naming the field', () => {
  expect(() => cartridgeWith([rule('bad', { metadata: { source: '(' } })])).toThrow(
    /routing\.rules\.0\.when\.metadata\.source: not a valid regular expression/,
  );
});

it('page bounds are inclusive, and a document without pages matches neither', () => {
  const cartridge = cartridgeWith([rule('long', { minPages: 100 }), rule('short', { maxPages: 5 })]);
  expect(routeDocument(cartridge, facts({ pageCount: 300 })).rule).toBe('long');
  expect(routeDocument(cartridge, facts({ pageCount: 100 })).rule).toBe('long');
  expect(routeDocument(cartridge, facts({ pageCount: 5 })).rule).toBe('short');
  expect(routeDocument(cartridge, facts({ pageCount: 50 })).rule).toBeNull();
  expect(routeDocument(cartridge, facts({ pageCount: null })).rule).toBeNull();
});

it('routes by detected language; a document whose language was not told matches no language rule', () => {
  const cartridge = cartridgeWith([rule('french', { languages: ['fr'] })]);
  expect(routeDocument(cartridge, facts({ language: 'fr' })).rule).toBe('french');
  expect(routeDocument(cartridge, facts({ language: 'en' })).rule).toBeNull();
  expect(routeDocument(cartridge, facts({ language: null })).rule).toBeNull();
  expect(() => cartridgeWith([rule('klingon', { languages: ['tlh'] })])).toThrow(
    /languages\.0: not a detectable language/,
  );
});
