import { createHash } from 'node:crypto';

/**
 * A document's id is derived from its mission and the sha256 of its bytes, so the same bytes sent
 * twice to one mission (even concurrently) name the same document and the same workflow.
 */
export function documentIdFor(missionId: string, sha256: string): string {
  return createHash('sha256').update(`${missionId}\n${sha256}`).digest('hex').slice(0, 32);
}
