import type { Cartridge } from './cartridge';
import type { ExtractorVote } from './consensus';
import { extractEntities, type ChunkText, type EntityDefinition } from './entities';
import { extractHeuristicEntities } from './heuristic-entities';

/**
 * The independent extractors that vote on a document's entities. Each sees the same chunks and
 * none sees another's output:
 *
 * - `patterns`: the cartridge's regular expressions only;
 * - `dictionary`: the cartridge's term lists (gazetteers) only;
 * - `heuristic`: no configuration at all: dates, amounts of money, organisations by their legal
 *   suffix, and runs of capitalised words (domain/heuristic-entities.ts);
 * - `llm` (optional, adapters/llm-extractor.ts): a chat model asked for the cartridge's types;
 *   it does I/O, so the activity adds its vote.
 *
 * An extractor with weight 0, or with nothing to look for, does not run and does not vote.
 */
export type ExtractorName = 'patterns' | 'dictionary' | 'heuristic' | 'llm';

export function localExtractorVotes(
  cartridge: Pick<Cartridge, 'extraction'> & { entities: readonly EntityDefinition[] },
  chunks: readonly ChunkText[],
): ExtractorVote[] {
  const weights = cartridge.extraction.weights;
  const votes: ExtractorVote[] = [];
  const cartridgeVote = (
    name: ExtractorName,
    weight: number,
    only: (definition: EntityDefinition) => EntityDefinition | null,
  ) => {
    const definitions = cartridge.entities.flatMap((definition) => {
      const kept = only(definition);
      return kept ? [kept] : [];
    });
    if (weight <= 0 || definitions.length === 0) return;
    votes.push({
      name,
      weight,
      general: false,
      types: definitions.map((definition) => definition.type),
      result: extractEntities(definitions, chunks),
    });
  };
  cartridgeVote('patterns', weights.patterns, (definition) =>
    definition.patterns?.length ? { ...definition, terms: [] } : null,
  );
  cartridgeVote('dictionary', weights.dictionary, (definition) =>
    definition.terms?.length ? { ...definition, patterns: [] } : null,
  );
  if (weights.heuristic > 0) {
    votes.push({
      name: 'heuristic',
      weight: weights.heuristic,
      general: true,
      types: [],
      result: extractHeuristicEntities(chunks),
    });
  }
  return votes;
}
