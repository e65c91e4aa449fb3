import { join } from 'node:path';
import type { Embedder } from '../../adapters/embedders';
import { validateCartridge, type Cartridge } from '../../domain/cartridge';
import { loadConfig } from '../../domain/config';
import { createLogger } from '../../observability/logger';
import { Retrieval } from '../../services/retrieval';
import { SearchService } from '../../services/search';
import { readMissionCartridges } from '../../stores/mission-files';
import { createEmbedders, fetchEmbeddingModelAtStart } from '../../workers/embedder';
import { openStores, type Stores } from '../../workers/stores';
import { people, places } from './vocabulary';

export interface SearchBenchPlatform {
  stores: Stores;
  search: SearchService;
  embedder: Embedder;
  missionId: string;
  cartridge: Cartridge;
  cartridgeVersion: number;
  /** Which database answers: `embedded` (PGlite) or `services` (PostgreSQL at DATABASE_URL). */
  database: string;
}

export const benchMissionId = 'search-bench';

/**
 * The stores and the search service as the platform composes them (workers/stores.ts and
 * workers/application.ts), from the process's environment: PGlite under `dataDir` unless
 * DATABASE_URL names a PostgreSQL. The embedder is the local semantic model (EMBEDDER=local, fetched
 * once per machine like `npm start` does), since the targets are those of the semantic default.
 * The mission is the default cartridge with the generated people and places as entity types.
 */
export async function openSearchBench(dataDir: string, repoRoot: string): Promise<SearchBenchPlatform> {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: dataDir,
    MISSIONS_DIR: join(repoRoot, 'missions'),
    LOG_LEVEL: 'silent',
    EMBEDDER: process.env.EMBEDDER ?? 'local',
  });
  const logger = createLogger('warn');
  await fetchEmbeddingModelAtStart(config, logger);
  const embedders = await createEmbedders(config, logger);
  const stores = await openStores(config, dataDir, logger);
  try {
    const missions = await readMissionCartridges(config.MISSIONS_DIR);
    const template = missions.find((mission) => mission.cartridge.mission.id === 'default');
    if (!template) throw new Error(`no default mission under ${config.MISSIONS_DIR}`);
    const cartridge = validateCartridge(
      {
        ...template.cartridge,
        mission: { ...template.cartridge.mission, id: benchMissionId, name: 'Search benchmark' },
        entities: [
          { type: 'Person', terms: people },
          { type: 'Place', terms: places },
        ],
      },
      'bench/search',
    );
    const { version } = await stores.cartridges.activate(cartridge, 'bench/search');
    const { lexical, vectors, chunkEntities, chunks, cache } = stores;
    const search = new SearchService({
      chunks,
      retrieval: new Retrieval({ lexical, vectors, chunkEntities }),
      embedderFor: (mission) => embedders.forCartridge(mission),
      cache,
      // One process answers every search and writes every chunk here, so its cache is always told.
      cacheTtlSeconds: config.SEARCH_CACHE_TTL_SECONDS,
    });
    return {
      stores,
      search,
      embedder: embedders.forCartridge(cartridge),
      missionId: benchMissionId,
      cartridge,
      cartridgeVersion: version,
      database: stores.profile.database,
    };
  } catch (error) {
    await stores.close();
    throw error;
  }
}
