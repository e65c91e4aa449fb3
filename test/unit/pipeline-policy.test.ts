import { createIngestActivities } from '../../activities/ingest';
import { createVerificationActivities } from '../../activities/verification';
import type { Cartridge } from '../../domain/cartridge';
import { definitionsWithCorrections, withoutRemovedEntities } from '../../domain/corrections';
import { extractEntities } from '../../domain/entities';
import { ingestPipeline, mainPath, stepOfActivity } from '../../domain/pipeline';
import { applyPiiPolicy } from '../../domain/pii-policy';

// The pure pieces the reshape moved out of activities: the pipeline table, the PII policy and the
// reviewer's corrections. Each runs here without stores or Temporal.

describe('the pipeline table', () => {
  it('names each step and each activity once, every step with a progress label', () => {
    const steps = ingestPipeline.map((entry) => entry.step);
    const activities = ingestPipeline.map((entry) => entry.activity);
    expect(new Set(steps).size).toBe(steps.length);
    expect(new Set(activities).size).toBe(activities.length);
    for (const entry of ingestPipeline) expect(entry.label.length).toBeGreaterThan(0);
  });

  it('maps every activity of the pipeline to its step, OCR, sections and clean-up included', () => {
    expect(stepOfActivity('ocrDocument')).toBe('ocr');
    expect(stepOfActivity('routeToOcr')).toBe('reroute');
    expect(stepOfActivity('parseSection')).toBe('sections');
    expect(stepOfActivity('joinSections')).toBe('join');
    expect(stepOfActivity('removeSupersededVersions')).toBe('cleanup');
    // Parse, PII scan and chunk in one activity: parse until its heartbeats name the step.
    expect(stepOfActivity('prepareText')).toBe('parse');
    expect(stepOfActivity('noSuchActivity')).toBeNull();
    expect(stepOfActivity('startQueuedUpdate')).toBe('handover');
    expect(stepOfActivity('notAnActivity')).toBeNull();
  });

  it('lists only activities the factories make', () => {
    // Building the factories touches no dependency; only the activity names are read here.
    const made = new Set([
      ...Object.keys(createIngestActivities({} as never)),
      ...Object.keys(createVerificationActivities({} as never)),
    ]);
    expect(ingestPipeline.map((entry) => entry.activity).filter((name) => !made.has(name))).toEqual([]);
  });

  it('keeps the main path in the diagram order', () => {
    expect(mainPath.map((entry) => entry.step)).toEqual([
      'classify',
      'parse',
      'pii',
      'chunk',
      'embed',
      'extract',
      'review',
      'graph',
      'index',
      'cleanup',
      'handover',
    ]);
  });
});

describe('the PII policy', () => {
  const pii = (policy: Partial<Cartridge['pii']['policy']>): Cartridge['pii'] => ({
    nationalIds: [{ name: 'us-ssn', pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b' }],
    policy: {
      email: 'keep',
      phone: 'keep',
      payment_card: 'keep',
      iban: 'keep',
      national_id: 'keep',
      ...policy,
    },
  });
  const blocks = [
    { kind: 'heading' as const, level: 1, text: 'Contact' },
    { kind: 'paragraph' as const, text: 'Write to ada@example.com; SSN 123-45-6789.' },
    { kind: 'paragraph' as const, text: 'Nothing personal here.' },
  ];

  it('counts what it finds and changes nothing when every type is kept', () => {
    const outcome = applyPiiPolicy(blocks, pii({}));
    expect(outcome.blocks).toEqual(blocks);
    expect(outcome.found).toMatchObject({ email: 1, national_id: 1, phone: 0 });
    expect(outcome.anyRedacted).toBe(false);
    expect(outcome.review).toEqual([]);
  });

  it('redacts only the types the policy says, in the blocks that hold them', () => {
    const outcome = applyPiiPolicy(blocks, pii({ email: 'redact' }));
    expect(outcome.blocks[1]?.text).not.toContain('ada@example.com');
    expect(outcome.blocks[1]?.text).toContain('123-45-6789');
    expect(outcome.blocks[0]).toBe(blocks[0]);
    expect(outcome.blocks[2]).toBe(blocks[2]);
    expect(outcome.redacted).toMatchObject({ email: 1, national_id: 0 });
    expect(outcome.anyRedacted).toBe(true);
  });

  it('asks for review only of the review types that were found', () => {
    const outcome = applyPiiPolicy(blocks, pii({ national_id: 'review', iban: 'review' }));
    expect(outcome.review).toEqual(['national_id']);
    expect(outcome.anyRedacted).toBe(false);
  });
});

describe("a reviewer's corrections", () => {
  const definitions = [{ type: 'Person', terms: ['Ada Lovelace', 'Charles Babbage'] }];
  const chunks = [{ chunkIndex: 0, text: 'Ada Lovelace wrote to Charles Babbage and Grace Hopper.' }];

  it('adds the entities a reviewer named as terms of their type', () => {
    const corrections = { entities: { add: [{ type: 'Person', name: 'Grace Hopper' }] } };
    const found = extractEntities(definitionsWithCorrections(definitions, corrections), chunks);
    expect(found.entities.map((entity) => entity.name)).toContain('Grace Hopper');
    expect(definitionsWithCorrections(definitions, undefined)).toEqual(definitions);
  });

  it('leaves out removed entities, whatever their case, with every relation that touches them', () => {
    const found = extractEntities(definitions, chunks);
    expect(found.relations).toHaveLength(1);
    const kept = withoutRemovedEntities(found, {
      entities: { remove: [{ type: 'Person', key: 'CHARLES BABBAGE' }] },
    });
    expect(kept.entities.map((entity) => entity.key)).toEqual(['ada lovelace']);
    expect(kept.relations).toEqual([]);
    expect(withoutRemovedEntities(found, undefined)).toEqual({
      entities: found.entities,
      relations: found.relations,
    });
  });
});
