import { entityKey, type ExtractedEntities } from './entities';

/**
 * Agreement between independent entity extractors, per entity and per document.
 *
 * Candidates are the union of every extractor's entities, matched by their case-folded surface
 * form (so the dictionary's `Person: Alan Turing` and the heuristic's `Name: Alan Turing` are one
 * candidate). For each candidate e:
 *
 *   support(e) = sum of the weights of the extractors that found e
 *                / sum of the weights of the extractors *eligible* for e
 *
 * An extractor is eligible for e when it ran and either it is a general extractor (it looks for
 * every kind of entity: the heuristic one, a language model), or e's type is not one the cartridge
 * defines (an entity only a general extractor saw: the cartridge's extractors could have known it
 * and did not), or the extractor has a definition for e's type (a type defined only by terms
 * cannot be found by the pattern extractor, so that extractor's silence is not disagreement).
 *
 *   score = mean of support(e) over all candidates, or 1 when there are none (nothing to disagree
 *           about).
 *
 * The score is in [0, 1]; the cartridge's gate (verification.minConsensus) decides whether it is
 * enough. Pure and deterministic: the same inputs give the same result, in the same order.
 */

/** The formula's version, stored with each result so a later change can tell old scores apart. */
export const consensusFormula = 'weighted-support-v1';

/** One extractor's output and how it counts in the vote. */
export interface ExtractorVote {
  name: string;
  weight: number;
  /** True for extractors that look for any kind of entity rather than the cartridge's types. */
  general: boolean;
  /** Cartridge entity types this extractor has a definition for (ignored for general ones). */
  types: readonly string[];
  result: ExtractedEntities;
}

export interface EntityConsensus {
  type: string;
  /** Case-folded surface form: the candidate's identity across extractors. */
  key: string;
  name: string;
  /** Extractors that found it, in the order the votes were given. */
  extractors: string[];
  support: number;
}

export interface ConsensusResult {
  formula: typeof consensusFormula;
  score: number;
  /** Per extractor: its weight and how many candidates it found. */
  extractors: Array<{ name: string; weight: number; entities: number }>;
  /** Candidates by ascending support, then type and key (the doubtful ones first), capped. */
  entities: EntityConsensus[];
  /** Candidates beyond the cap, counted in the score but not listed. */
  omitted: number;
}

/** Listed candidates are capped so a stored result stays small; the score counts all of them. */
export const maxListedCandidates = 200;

export function scoreConsensus(
  votes: readonly ExtractorVote[],
  cartridgeTypes: readonly string[],
): ConsensusResult {
  const running = votes.filter((vote) => vote.weight > 0);
  const { entities, finders } = entitySupport(running, cartridgeTypes);
  const score =
    entities.length === 0 ? 1 : round(entities.reduce((sum, e) => sum + e.support, 0) / entities.length);
  return {
    formula: consensusFormula,
    score,
    extractors: running.map((vote) => ({
      name: vote.name,
      weight: vote.weight,
      entities: [...finders.values()].filter((found) => found.has(vote.name)).length,
    })),
    entities: entities.slice(0, maxListedCandidates),
    omitted: Math.max(0, entities.length - maxListedCandidates),
  };
}

/**
 * Every candidate with its support (the formula above), by ascending support, then type and key;
 * uncapped. `finders` gives, per candidate key, the extractors that found it.
 */
export function entitySupport(
  votes: readonly ExtractorVote[],
  cartridgeTypes: readonly string[],
): { entities: EntityConsensus[]; finders: Map<string, Set<string>> } {
  const running = votes.filter((vote) => vote.weight > 0);
  const defined = new Set(cartridgeTypes);
  const candidates = new Map<string, { type: string; name: string; finders: Set<string> }>();
  for (const vote of running) {
    for (const entity of vote.result.entities) {
      const key = entityKey(entity.name);
      const candidate = candidates.get(key);
      if (!candidate) {
        candidates.set(key, { type: entity.type, name: entity.name, finders: new Set([vote.name]) });
        continue;
      }
      candidate.finders.add(vote.name);
      // A type the cartridge defines names the candidate better than a general extractor's guess.
      if (!defined.has(candidate.type) && defined.has(entity.type)) {
        candidate.type = entity.type;
        candidate.name = entity.name;
      }
    }
  }

  const entities: EntityConsensus[] = [];
  for (const [key, candidate] of candidates) {
    let found = 0;
    let eligible = 0;
    for (const vote of running) {
      const isEligible = vote.general || !defined.has(candidate.type) || vote.types.includes(candidate.type);
      const didFind = candidate.finders.has(vote.name);
      if (isEligible || didFind) eligible += vote.weight;
      if (didFind) found += vote.weight;
    }
    entities.push({
      type: candidate.type,
      key,
      name: candidate.name,
      extractors: running.filter((vote) => candidate.finders.has(vote.name)).map((vote) => vote.name),
      support: eligible === 0 ? 1 : round(found / eligible),
    });
  }
  entities.sort((a, b) => a.support - b.support || compare(a.type, b.type) || compare(a.key, b.key));
  return {
    entities,
    finders: new Map([...candidates].map(([key, candidate]) => [key, candidate.finders])),
  };
}

/** Four decimals: stable in JSON and across machines, and plenty for a gate. */
function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
