import type { Cartridge } from './cartridge';

/** What routing may look at: what is known at admission, the page count and the language. */
export interface DocumentFacts {
  mediaType: string;
  sizeBytes: number;
  title: string | null;
  metadata: Record<string, unknown>;
  /** Pages of a PDF, read from its structure; null for documents without pages. */
  pageCount: number | null;
  /** The language detected in its opening text (ISO 639-1), or null when it could not be told. */
  language: string | null;
}

export interface RoutingDecision {
  documentClass: string;
  lane: string;
  /** The rule that matched, or null when the cartridge's default applied. */
  rule: string | null;
  /** How sure the decision is of the class, from the rule (or the default's confidence). */
  confidence: number;
}

/** First matching rule wins; rules are evaluated in cartridge order. */
export function routeDocument(cartridge: Cartridge, facts: DocumentFacts): RoutingDecision {
  for (const rule of cartridge.routing.rules) {
    const { when } = rule;
    if (when.mediaTypes && !when.mediaTypes.includes(facts.mediaType)) continue;
    if (when.minBytes !== undefined && facts.sizeBytes < when.minBytes) continue;
    if (when.maxBytes !== undefined && facts.sizeBytes > when.maxBytes) continue;
    if (when.titlePattern !== undefined && !new RegExp(when.titlePattern, 'i').test(facts.title ?? ''))
      continue;
    if (when.minPages !== undefined && (facts.pageCount === null || facts.pageCount < when.minPages))
      continue;
    if (when.maxPages !== undefined && (facts.pageCount === null || facts.pageCount > when.maxPages))
      continue;
    if (when.languages && (facts.language === null || !when.languages.includes(facts.language))) continue;
    if (when.metadata && !metadataMatches(when.metadata, facts.metadata)) continue;
    return { documentClass: rule.class, lane: rule.lane, rule: rule.name, confidence: rule.confidence };
  }
  return {
    documentClass: cartridge.routing.defaultClass,
    lane: cartridge.routing.defaultLane,
    rule: null,
    confidence: cartridge.routing.defaultConfidence,
  };
}

/** Every listed field is present and, as text, matches its expression (case-insensitive). */
function metadataMatches(patterns: Record<string, string>, metadata: Record<string, unknown>): boolean {
  return Object.entries(patterns).every(([field, pattern]) => {
    const value = metadata[field];
    if (value === undefined || value === null) return false;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return new RegExp(pattern, 'i').test(text);
  });
}
