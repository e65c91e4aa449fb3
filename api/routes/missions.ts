import { Router } from 'express';
import { z } from 'zod';
import { cartridgeSchema } from '../../domain/cartridge';
import type { CartridgeStore } from '../../stores/relational/cartridges';
import type { Missions } from '../../services/missions';
import { missionIdSchema } from '../validation';
import { missionOf, scopeToMission } from '../mission-scope';

const missionSummary = z.object({
  missionId: missionIdSchema,
  name: z.string(),
  activeVersion: z.number().int(),
  createdAt: z.iso.datetime(),
});

export const missionListSchema = z.object({ missions: z.array(missionSummary) }).meta({ id: 'MissionList' });

export const missionSchema = z
  .object({
    missionId: missionIdSchema,
    name: z.string(),
    description: z.string(),
    activeVersion: z.number().int(),
    activatedAt: z.iso.datetime(),
    cartridge: cartridgeSchema.meta({
      id: 'Cartridge',
      description: 'The active cartridge, with defaults filled in; see missions/README.md',
    }),
  })
  .meta({ id: 'Mission' });

export function missionRoutes(deps: { missions: Missions; cartridges: CartridgeStore }): Router {
  const router = scopeToMission(Router(), deps.missions);
  router.get('/v1/missions', async (_req, res) => {
    res.json({ missions: await deps.cartridges.listMissions() } satisfies z.infer<typeof missionListSchema>);
  });
  router.get('/v1/missions/:mission', async (req, res) => {
    const active = missionOf(res);
    res.json({
      missionId: active.missionId,
      name: active.cartridge.mission.name,
      description: active.cartridge.mission.description,
      activeVersion: active.version,
      activatedAt: active.createdAt,
      cartridge: active.cartridge,
    } satisfies z.infer<typeof missionSchema>);
  });
  return router;
}
