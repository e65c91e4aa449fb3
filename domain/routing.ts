import type { Cartridge } from './cartridge';

/** What routing may look at: metadata known at admission, never the content itself. */
export interface DocumentFacts {
  mediaType: string;
  sizeBytes: number;
  title: string | null;
}

export interface RoutingDecision {
  documentClass: string;
  lane: string;
  /** The rule that matched, or null when the cartridge's default applied. */
  rule: string | null;
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
    return { documentClass: rule.class, lane: rule.lane, rule: rule.name };
  }
  return {
    documentClass: cartridge.routing.defaultClass,
    lane: cartridge.routing.defaultLane,
    rule: null,
  };
}
