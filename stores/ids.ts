import { createHash } from 'node:crypto';

/**
 * A document's id is derived from its mission and the sha256 of its bytes, so the same bytes sent
 * twice to one mission (even concurrently) name the same document and the same workflow.
 */
export function documentIdFor(missionId: string, sha256: string): string {
  return createHash('sha256').update(`${missionId}\n${sha256}`).digest('hex').slice(0, 32);
}

/**
 * A document sent with an `externalId` (the caller's own key, unique per mission) is named by it,
 * not by its bytes: new bytes under the same external id are the same document's next version.
 */
export function documentIdForExternal(missionId: string, externalId: string): string {
  return createHash('sha256').update(`${missionId}\nexternal\n${externalId}`).digest('hex').slice(0, 32);
}
