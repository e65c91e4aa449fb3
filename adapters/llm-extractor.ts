import {
  entityKey,
  entityLimits,
  type ChunkText,
  type DocumentEntity,
  type EntityMention,
  type ExtractedEntities,
} from '../domain/entities';
import { askChatForList } from './openai-http';

export interface LlmExtractorOptions {
  /** Base URL up to and including the API version, e.g. https://api.example.com/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

/** Bounds on what one document costs: characters per request, and requests per document. */
export const llmLimits = {
  charactersPerRequest: 12_000,
  requestsPerDocument: 20,
  entitiesPerAnswer: 500,
} as const;

/**
 * The optional fourth extractor: an OpenAI-compatible chat model asked for the cartridge's entity
 * types in the document's chunks, a batch of chunks per request. Its answers are checked, not
 * trusted: only the cartridge's types, only names that appear in the text sent (a model that
 * invents a name does not get a vote for it), and an answer that is not the JSON asked for counts
 * as finding nothing (and is counted as such). Request errors are classified like the embedder's:
 * client errors fail the step (`extraction_rejected`), others are retried.
 */
export class LlmEntityExtractor {
  readonly model: string;

  constructor(private readonly options: LlmExtractorOptions) {
    this.model = options.model;
  }

  async extract(
    chunks: readonly ChunkText[],
    types: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ result: ExtractedEntities; invalidAnswers: number; truncated: boolean }> {
    const batches = batchesOf(chunks);
    const read = batches.slice(0, llmLimits.requestsPerDocument);
    const found = new Map<string, DocumentEntity>();
    let invalidAnswers = 0;
    for (const batch of read) {
      const names = await this.ask(batch, types, signal);
      if (names === null) {
        invalidAnswers++;
        continue;
      }
      for (const { type, name } of names) {
        const folded = name.toLowerCase();
        const inChunks = batch.filter((chunk) => chunk.text.toLowerCase().includes(folded));
        if (inChunks.length === 0) continue;
        const key = entityKey(name);
        const id = `${type}\u0000${key}`;
        const entity = found.get(id) ?? { type, key, name, chunkIndexes: [] };
        for (const chunk of inChunks) {
          if (!entity.chunkIndexes.includes(chunk.chunkIndex)) entity.chunkIndexes.push(chunk.chunkIndex);
        }
        found.set(id, entity);
      }
    }
    const entities = [...found.values()]
      .map((entity) => ({ ...entity, chunkIndexes: [...entity.chunkIndexes].sort((a, b) => a - b) }))
      .sort((a, b) => (a.type === b.type ? compare(a.key, b.key) : compare(a.type, b.type)));
    const mentions: EntityMention[] = entities.flatMap((entity) =>
      entity.chunkIndexes.map((chunkIndex) => ({
        type: entity.type,
        key: entity.key,
        name: entity.name,
        chunkIndex,
        occurrences: 1,
      })),
    );
    return {
      // Relations are the graph's business, made from the cartridge's extractor: the vote needs none.
      result: { mentions, entities, relations: [], truncated: { chunks: [], entities: 0, relations: 0 } },
      invalidAnswers,
      truncated: batches.length > read.length,
    };
  }

  /** The model's entities for one batch, or null when its answer is not the JSON asked for. */
  private async ask(
    batch: readonly ChunkText[],
    types: readonly string[],
    signal?: AbortSignal,
  ): Promise<Array<{ type: string; name: string }> | null> {
    const listed = await askChatForList({
      key: 'entities',
      baseUrl: this.options.baseUrl,
      model: this.options.model,
      apiKey: this.options.apiKey,
      system:
        'You extract named entities from text. Answer with JSON only, in the form ' +
        '{"entities":[{"type":"<type>","name":"<the entity exactly as written in the text>"}]}. ' +
        `Use only these types: ${types.join(', ')}. List each entity once. Do not add entities ` +
        'that are not in the text.',
      user: batch.map((chunk) => chunk.text).join('\n\n'),
      signal,
      timeoutMs: this.options.timeoutMs ?? 120_000,
      rejectedCode: 'extraction_rejected',
    });
    if (!listed) return null;
    const allowed = new Set(types);
    return listed.slice(0, llmLimits.entitiesPerAnswer).flatMap((item: unknown) => {
      const { type, name } = (item ?? {}) as { type?: unknown; name?: unknown };
      if (typeof type !== 'string' || !allowed.has(type)) return [];
      if (typeof name !== 'string') return [];
      const trimmed = name.trim();
      return trimmed.length > 0 && trimmed.length <= entityLimits.maxNameLength
        ? [{ type, name: trimmed }]
        : [];
    });
  }
}

/** Consecutive chunks, up to the characters of one request (a longer chunk goes alone, cut). */
function batchesOf(chunks: readonly ChunkText[]): ChunkText[][] {
  const ordered = [...chunks].sort((a, b) => a.chunkIndex - b.chunkIndex);
  const batches: ChunkText[][] = [];
  let current: ChunkText[] = [];
  let size = 0;
  for (const chunk of ordered) {
    const text = chunk.text.slice(0, llmLimits.charactersPerRequest);
    if (current.length > 0 && size + text.length > llmLimits.charactersPerRequest) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push({ chunkIndex: chunk.chunkIndex, text });
    size += text.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
