import type { RequestParamHandler, Response, Router } from 'express';
import type { Missions } from '../services/missions';
import type { CartridgeVersion } from '../stores/relational/cartridges';
import { missionParam } from './validation';

/**
 * Resolves `:mission` once per request, before any handler runs: a malformed or unknown mission
 * answers 404 `mission_not_found`, and handlers read the mission's active cartridge version with
 * `missionOf(res)`. Every router with mission routes installs it (`scopeToMission`).
 */
function resolveMission(missions: Missions): RequestParamHandler {
  return (_req, res, next, value: string) => {
    Promise.resolve()
      .then(() => missions.require(missionParam(value)))
      .then((active) => {
        res.locals.mission = active;
        next();
      }, next);
  };
}

export function scopeToMission(router: Router, missions: Missions): Router {
  router.param('mission', resolveMission(missions));
  return router;
}

/** The request's mission, as resolved from `:mission`. */
export function missionOf(res: Response): CartridgeVersion {
  const mission = res.locals.mission as CartridgeVersion | undefined;
  if (!mission) throw new Error('this route has no :mission resolved (scopeToMission)');
  return mission;
}
