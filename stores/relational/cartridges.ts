import { createHash } from 'node:crypto';
import { validateCartridge, type Cartridge } from '../../domain/cartridge';
import type { SqlClient } from './sql';

export interface CartridgeVersion {
  missionId: string;
  version: number;
  cartridge: Cartridge;
  source: string;
  createdAt: string;
}

export interface MissionSummary {
  missionId: string;
  name: string;
  activeVersion: number;
  createdAt: string;
}

/** Loaded versions kept in memory; beyond this, the longest unread is dropped. */
const cachedVersions = 512;

/**
 * Versioned cartridges per mission. Versions are immutable; the active one is the newest. Loaded
 * versions are cached, validated, because every activity of a run reads its pinned version: a
 * cached one costs no database round trip. (A version is never changed once stored; whatever comes
 * to delete a mission's versions must clear them here too.)
 */
export class CartridgeStore {
  private readonly cache = new Map<string, CartridgeVersion>();

  constructor(private readonly sql: SqlClient) {}

  /** Stores `cartridge` as the mission's next version unless it equals the active one. */
  async activate(cartridge: Cartridge, source: string): Promise<{ version: number; changed: boolean }> {
    const missionId = cartridge.mission.id;
    const sha256 = createHash('sha256').update(JSON.stringify(cartridge)).digest('hex');
    return this.sql.inMission(missionId, async (tx) => {
      await tx.query(
        `INSERT INTO missions (mission_id, name) VALUES ($1, $2)
         ON CONFLICT (mission_id) DO UPDATE SET name = EXCLUDED.name`,
        [missionId, cartridge.mission.name],
      );
      // Lock the mission row so two concurrent activations cannot take the same version number.
      await tx.query('SELECT 1 FROM missions WHERE mission_id = $1 FOR UPDATE', [missionId]);
      const { rows } = await tx.query<{ version: number; sha256: string }>(
        'SELECT version, sha256 FROM cartridge_versions WHERE mission_id = $1 ORDER BY version DESC LIMIT 1',
        [missionId],
      );
      const latest = rows[0];
      if (latest && latest.sha256 === sha256) return { version: latest.version, changed: false };
      const version = (latest?.version ?? 0) + 1;
      await tx.query(
        `INSERT INTO cartridge_versions (mission_id, version, content, sha256, source) VALUES ($1, $2, $3::jsonb, $4, $5)`,
        [missionId, version, JSON.stringify(cartridge), sha256, source],
      );
      await tx.query('UPDATE missions SET active_version = $2 WHERE mission_id = $1', [missionId, version]);
      return { version, changed: true };
    });
  }

  async activeVersion(missionId: string): Promise<CartridgeVersion | null> {
    const { rows } = await this.sql.query<{ version: number | null }>(
      'SELECT active_version AS version FROM missions WHERE mission_id = $1',
      [missionId],
    );
    const version = rows[0]?.version;
    return version ? this.version(missionId, version) : null;
  }

  async version(missionId: string, version: number): Promise<CartridgeVersion | null> {
    const key = `${missionId}@${version}`;
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const { rows } = await this.sql.inMission(missionId, (tx) =>
      tx.query<{ content: unknown; source: string; created_at: Date }>(
        'SELECT content, source, created_at FROM cartridge_versions WHERE mission_id = $1 AND version = $2',
        [missionId, version],
      ),
    );
    const row = rows[0];
    if (!row) return null;
    const loaded: CartridgeVersion = {
      missionId,
      version,
      cartridge: validateCartridge(row.content, `cartridge ${key}`),
      source: row.source,
      createdAt: new Date(row.created_at).toISOString(),
    };
    this.cache.set(key, loaded);
    if (this.cache.size > cachedVersions) this.cache.delete(this.cache.keys().next().value as string);
    return loaded;
  }

  async listMissions(): Promise<MissionSummary[]> {
    const { rows } = await this.sql.query<{
      mission_id: string;
      name: string;
      created_at: Date;
      active_version: number;
    }>(
      // The registry is readable across missions; cartridge contents are not.
      `SELECT mission_id, name, created_at, active_version FROM missions
       WHERE active_version IS NOT NULL ORDER BY mission_id`,
    );
    return rows.map((row) => ({
      missionId: row.mission_id,
      name: row.name,
      activeVersion: row.active_version,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  }
}
