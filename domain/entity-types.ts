// The entity extractor's vocabulary: definitions, what it finds, and the limits it keeps.

/**
 * An entity type becomes a Neo4j label, so it is a strict identifier, checked wherever one enters
 * (cartridge, extractor output, graph store) and never built from anything else.
 */
export const entityTypePattern = /^[A-Z][A-Za-z0-9_]{0,63}$/;

/** Labels the graph store gives its own nodes; an entity type of the same name would blur them. */
export const reservedEntityTypes: readonly string[] = ['Entity', 'Document'];

/**
 * Bounds that keep extraction linear and its output proportionate, whatever the text. A chunk that
 * hits a per-chunk cap is listed in `truncated.chunks`; what the per-document caps drop is counted.
 */
export const entityLimits = {
  maxDefinitions: 100,
  maxTermsPerDefinition: 10_000,
  /** Characters; also bounds the work of one dictionary lookup. */
  maxTermLength: 200,
  maxPatternsPerDefinition: 50,
  maxPatternLength: 1_000,
  /** A longer surface form is not a name (think of a pattern matching a whole paragraph): ignored. */
  maxNameLength: 200,
  /** Raw matches (terms and patterns) read from one chunk; scanning the chunk stops there. */
  maxMatchesPerChunk: 10_000,
  /** Distinct entities kept per chunk, in order of first appearance. */
  maxEntitiesPerChunk: 200,
  /**
   * Co-occurrence pairs are formed among a chunk's first 50 distinct entities only: at most
   * 50 * 49 / 2 = 1,225 pairs per chunk, so one dense chunk cannot produce millions of edges.
   */
  maxPairedEntitiesPerChunk: 50,
  /** Kept by number of chunks mentioning them, then type and key. */
  maxEntitiesPerDocument: 10_000,
  /** Kept by weight, then endpoints. */
  maxRelationsPerDocument: 50_000,
} as const;

/** One entry of the cartridge's `entities` section. */
export interface EntityDefinition {
  type: string;
  /** Dictionary phrases, matched as whole words; whitespace inside a phrase matches any whitespace. */
  terms?: readonly string[];
  /** Regular expressions (JavaScript syntax, `u` flag); the whole match is the surface form. */
  patterns?: readonly string[];
  /** Default false: matching ignores case and keys are lower-cased. */
  caseSensitive?: boolean;
}

export interface ChunkText {
  chunkIndex: number;
  text: string;
}

export interface EntityRef {
  type: string;
  /** Normalised surface form: NFC, whitespace collapsed, lower-cased unless the type is case-sensitive. */
  key: string;
}

/** One entity in one chunk (repeats within the chunk are counted, not listed). */
export interface EntityMention extends EntityRef {
  /** Display name: the cartridge's spelling of a term, or the surface form a pattern matched. */
  name: string;
  chunkIndex: number;
  occurrences: number;
}

/** One entity of a document, with the chunks that mention it (ascending). */
export interface DocumentEntity extends EntityRef {
  name: string;
  chunkIndexes: number[];
}

/** Two distinct entities found in the same chunk; weight = the number of such chunks. */
export interface EntityRelation {
  from: EntityRef;
  to: EntityRef;
  weight: number;
}

export interface ExtractedEntities {
  /** By chunk index, then first appearance in the chunk. */
  mentions: EntityMention[];
  /** By type, then key. */
  entities: DocumentEntity[];
  /** Each unordered pair once, `from` < `to` by (type, key); sorted by from, then to. */
  relations: EntityRelation[];
  truncated: {
    /** Chunks where a per-chunk cap applied (ascending). */
    chunks: number[];
    /** Entities and relations beyond the per-document caps. */
    entities: number;
    relations: number;
  };
}
