import type { Cartridge } from '../domain/cartridge';
import { MissionflowError } from '../domain/errors';
import type { Embedder } from './embedders';

/** The embedders this process can run: the lexical one always, the others where configured or found. */
export interface AvailableEmbedders {
  lexical: Embedder;
  /** The local semantic model, when its files are in the cache and verified. */
  local: Embedder | null;
  /** An OpenAI-compatible endpoint, when EMBEDDINGS_URL and EMBEDDINGS_MODEL are set. */
  openai: Embedder | null;
}

/**
 * Which embedder a mission's vectors come from, by its cartridge's `search.embedder`: `auto` takes
 * the process's preferred one (workers/embedder.ts: EMBEDDER); a named one
 * that this process cannot run is a typed error, never a silent substitute, since vectors of two
 * models must not mix in one mission.
 */
export class EmbedderChoice {
  /** The embedder `auto` means on this process: by default the endpoint, the local model, lexical. */
  readonly preferred: Embedder;

  constructor(
    readonly available: AvailableEmbedders,
    preferred?: Embedder,
  ) {
    this.preferred = preferred ?? available.openai ?? available.local ?? available.lexical;
  }

  forCartridge(cartridge: Pick<Cartridge, 'search'>): Embedder {
    const wanted = cartridge.search.embedder;
    if (wanted === 'auto') return this.preferred;
    const embedder = this.available[wanted];
    if (!embedder) {
      throw new MissionflowError(
        'embedder_unavailable',
        wanted === 'local'
          ? 'the cartridge asks for the local embedding model, which this process does not have (see the README: the model is fetched by npm start and the test set-up)'
          : 'the cartridge asks for an OpenAI-compatible embedder; set EMBEDDINGS_URL and EMBEDDINGS_MODEL',
      );
    }
    return embedder;
  }
}
