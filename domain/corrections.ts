import type { EntityDefinition, EntityRef, ExtractedEntities } from './entities';
import type { Corrections } from './verification';

/**
 * Entities a reviewer added are looked for in the text as dictionary terms of their type: they
 * join the cartridge's definitions for this document.
 */
export function definitionsWithCorrections(
  definitions: readonly EntityDefinition[],
  corrections: Corrections | undefined,
): EntityDefinition[] {
  const added = (corrections?.entities?.add ?? []).map((entity) => ({
    type: entity.type,
    terms: [entity.name],
  }));
  return [...definitions, ...added];
}

/**
 * Entities a reviewer removed are left out, with every relation that touches one. Keys compare
 * without case, as the review desk lists them.
 */
export function withoutRemovedEntities(
  found: Pick<ExtractedEntities, 'entities' | 'relations'>,
  corrections: Corrections | undefined,
): Pick<ExtractedEntities, 'entities' | 'relations'> {
  const removed = new Set(
    (corrections?.entities?.remove ?? []).map((entity) => `${entity.type}\u0000${entity.key.toLowerCase()}`),
  );
  if (removed.size === 0) return { entities: found.entities, relations: found.relations };
  const kept = (ref: EntityRef) => !removed.has(`${ref.type}\u0000${ref.key.toLowerCase()}`);
  return {
    entities: found.entities.filter(kept),
    relations: found.relations.filter((relation) => kept(relation.from) && kept(relation.to)),
  };
}
