/**
 * Lanes the platform ships workers for. A cartridge may only route to these; each lane is its own
 * Temporal task queue so lanes scale and fail independently.
 */
export const knownLanes = ['standard'] as const;
export type LaneName = (typeof knownLanes)[number];

export function laneTaskQueue(lane: string, prefix = 'missionflow'): string {
  return `${prefix}-lane-${lane}`;
}
