import { MissionflowError } from '../domain/errors';
import type { CartridgeStore, CartridgeVersion } from '../stores/relational/cartridges';

/** Missions as requests see them: one that does not exist is a typed 404, never a null. */
export class Missions {
  constructor(private readonly cartridges: CartridgeStore) {}

  /** The mission's active cartridge version; `mission_not_found` when there is none. */
  async require(missionId: string): Promise<CartridgeVersion> {
    const active = await this.cartridges.activeVersion(missionId);
    if (!active) throw new MissionflowError('mission_not_found', `mission '${missionId}' does not exist`);
    return active;
  }
}
