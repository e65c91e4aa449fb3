import { Router } from 'express';
import type { CartridgeStore } from '../../stores/relational/cartridges';
import type { Admission } from '../../services/admission';
import { missionParam } from '../validation';

export function missionRoutes(deps: { admission: Admission; cartridges: CartridgeStore }): Router {
  const router = Router();
  router.get('/v1/missions', async (_req, res) => {
    res.json({ missions: await deps.cartridges.listMissions() });
  });
  router.get('/v1/missions/:mission', async (req, res) => {
    const active = await deps.admission.requireMission(missionParam(req.params.mission));
    res.json({
      missionId: active.missionId,
      name: active.cartridge.mission.name,
      description: active.cartridge.mission.description,
      activeVersion: active.version,
      activatedAt: active.createdAt,
      cartridge: active.cartridge,
    });
  });
  return router;
}
