import { createHash } from 'node:crypto';
import { missionIdPattern } from '../../domain/documents';
import { MissionflowError } from '../../domain/errors';

/**
 * How missionflow names things in Qdrant: point ids derived from the chunk's key, and collections
 * per embedding model (shared by missions) or per mission and model (dedicated). Names and ids are
 * stored data: changing how they are made orphans every point already written.
 */

/**
 * Namespace of every point id (UUIDv5, RFC 9562). A random v4 UUID drawn once for missionflow:
 * changing it would give every chunk a new id, so a re-index would write a second copy of each
 * vector next to the old one. Never change it.
 */
export const pointIdNamespace = 'ec3e3070-cf50-4917-98fa-28b3946b5d7a';

/** UUIDv5 (RFC 9562, section 5.5): SHA-1 of namespace bytes + UTF-8 name, version and variant bits set. */
export function uuidV5(namespace: string, name: string): string {
  const namespaceHex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(namespaceHex)) throw new Error(`not a UUID: ${namespace}`);
  const bytes = createHash('sha1')
    .update(Buffer.from(namespaceHex, 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The point's id is a function of the chunk's key, so a retried or repeated upsert overwrites the
 * same point. The name is unambiguous: mission ids hold no '/', and the last two parts are integers.
 */
export function pointIdFor(
  missionId: string,
  documentId: string,
  contentVersion: number,
  chunkIndex: number,
): string {
  return uuidV5(pointIdNamespace, `${missionId}/${documentId}/${contentVersion}/${chunkIndex}`);
}

export const sharedPrefix = 'mf_chunks_';
/** Keeps collection names well under Qdrant's 255-character limit whatever the model is called. */
const maxModelPart = 64;

/**
 * The model's part of a collection name: [a-z0-9_-] only. When that changes the name (or cuts it),
 * a hash of the original is appended, so two models never share a collection.
 */
export function sanitiseModel(model: string): string {
  const safe = model
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, maxModelPart);
  if (safe === model) return safe;
  const hash = createHash('sha256').update(model, 'utf8').digest('hex').slice(0, 8);
  return safe ? `${safe}_${hash}` : hash;
}

export function sharedCollectionName(model: string, dimensions: number): string {
  return `${sharedPrefix}${sanitiseModel(model)}_${dimensions}`;
}

export function dedicatedCollectionName(missionId: string, model: string, dimensions: number): string {
  assertMissionId(missionId);
  // 'chunks' and 'chunks_*' would land inside the shared collections' namespace.
  if (`mf_${missionId}_`.startsWith(sharedPrefix))
    throw new MissionflowError(
      'invalid_request',
      `mission "${missionId}" cannot have a dedicated Qdrant collection: its name would be mf_chunks_..., the shared collections' prefix`,
    );
  return `mf_${missionId}_${sanitiseModel(model)}_${dimensions}`;
}

export function assertMissionId(missionId: string): void {
  if (typeof missionId !== 'string' || !missionIdPattern.test(missionId))
    throw new MissionflowError('invalid_request', `not a mission id: ${JSON.stringify(missionId)}`);
}
