/**
 * Lanes the platform ships workers for. A cartridge may only route to these; each lane is its own
 * Temporal task queue, with its own workers and concurrency, so lanes scale and fail independently.
 *
 * - `fast`: short plain text, many at once.
 * - `standard`: everything without a reason to go elsewhere.
 * - `deep`: long or structured documents, few at once (each is heavy).
 * - `ocr`: scans and images, one at a time per worker (OCR takes a core).
 */
export const knownLanes = ['fast', 'standard', 'deep', 'ocr'] as const;
export type LaneName = (typeof knownLanes)[number];

/** Activities one worker of each lane runs at once, unless LANE_CONCURRENCY says otherwise. */
export const defaultLaneConcurrency: Readonly<Record<LaneName, number>> = {
  fast: 8,
  standard: 4,
  deep: 2,
  ocr: 1,
};

export function isKnownLane(lane: string): lane is LaneName {
  return (knownLanes as readonly string[]).includes(lane);
}

export function laneTaskQueue(lane: string, prefix = 'missionflow'): string {
  return `${prefix}-lane-${lane}`;
}

/**
 * Embedding has a task queue of its own, whatever the lane: it is the dominant cost of ingest with a
 * semantic model, so its concurrency is set apart (EMBED_CONCURRENCY) and neither starves the lanes'
 * other steps nor is blocked by them.
 */
export function embeddingTaskQueue(prefix = 'missionflow'): string {
  return `${prefix}-embed`;
}

/**
 * LANE_CONCURRENCY: either one number for every lane (`4`), or per-lane settings over the defaults
 * (`fast=16,deep=1`). Returns the setting for every known lane, or the problem with the text.
 */
export function parseLaneConcurrency(text: string | undefined): Record<LaneName, number> | string {
  const result = { ...defaultLaneConcurrency };
  if (text === undefined) return result;
  const whole = (value: string) => (/^\d+$/.test(value) ? Number(value) : NaN);
  const inRange = (n: number) => Number.isInteger(n) && n >= 1 && n <= 256;
  if (/^\d+$/.test(text)) {
    const n = whole(text);
    if (!inRange(n)) return 'must be between 1 and 256';
    for (const lane of knownLanes) result[lane] = n;
    return result;
  }
  for (const part of text.split(',')) {
    const [lane, value, extra] = part.split('=').map((s) => s.trim());
    if (lane === undefined || value === undefined || extra !== undefined) {
      return `'${part}' is not lane=number`;
    }
    if (!isKnownLane(lane)) return `unknown lane '${lane}'; known lanes: ${knownLanes.join(', ')}`;
    const n = whole(value);
    if (!inRange(n)) return `${lane}: must be a whole number between 1 and 256`;
    result[lane] = n;
  }
  return result;
}

/** LANES: the lanes whose workers run in this process (comma-separated), or the problem. */
export function parseLaneList(text: string | undefined): LaneName[] | string {
  if (text === undefined) return [...knownLanes];
  const lanes = text
    .split(',')
    .map((lane) => lane.trim())
    .filter((lane) => lane !== '');
  const unknown = lanes.filter((lane) => !isKnownLane(lane));
  if (unknown.length > 0) return `unknown lane '${unknown[0]}'; known lanes: ${knownLanes.join(', ')}`;
  return [...new Set(lanes as LaneName[])];
}
