import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { missionIdPattern } from './documents';
import {
  entityKey,
  entityLimits,
  entityPatternProblem,
  entityTypePattern,
  reservedEntityTypes,
} from './entities';
import { MissionflowError, type FieldError } from './errors';
import { isKnownLane, knownLanes } from './lanes';
import { searchSchema } from './cartridge-search';
import { detectableLanguages } from './language';
import { piiPatternProblem } from './pii';

const megabyte = 1024 * 1024;

const routingRuleSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case name of 1 to 64 characters'),
  when: z
    .object({
      mediaTypes: z.array(z.string().min(1)).min(1).optional(),
      minBytes: z.number().int().min(0).optional(),
      maxBytes: z.number().int().min(0).optional(),
      titlePattern: z.string().min(1).optional(),
      /** Page counts (PDFs; a document without pages matches neither bound). */
      minPages: z.number().int().min(1).optional(),
      maxPages: z.number().int().min(1).optional(),
      /** Detected languages, ISO 639-1 (domain/language.ts); an undetected language matches none. */
      languages: z.array(z.string()).min(1).optional(),
      /** Metadata field -> regular expression its value (as text) must match; a missing field fails. */
      metadata: z.record(z.string().min(1).max(100), z.string().min(1)).optional(),
    })
    .strict(),
  class: z.string().min(1).max(64),
  lane: z.string().min(1),
  /** How sure a match of this rule is of the class; below verification.minClassConfidence, review. */
  confidence: z.number().min(0).max(1).default(1),
});

const piiActionSchema = z.enum(['keep', 'redact', 'review']);

/** What the PII scan looks for beyond its built-in types, and what happens to each type found. */
const piiSchema = z
  .object({
    nationalIds: z
      .array(
        z
          .object({
            name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case name of 1 to 64 characters'),
            pattern: z.string().min(1).max(1000),
          })
          .strict(),
      )
      .max(50)
      .default([]),
    policy: z
      .object({
        email: piiActionSchema.default('keep'),
        phone: piiActionSchema.default('keep'),
        payment_card: piiActionSchema.default('keep'),
        iban: piiActionSchema.default('keep'),
        national_id: piiActionSchema.default('keep'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** The extractors that vote on a document's entities, by weight; 0 turns one off. */
const extractionSchema = z
  .object({
    weights: z
      .object({
        patterns: z.number().min(0).max(100).default(1),
        dictionary: z.number().min(0).max(100).default(1),
        heuristic: z.number().min(0).max(100).default(1),
        /** The language-model extractor: runs only where the process configures LLM_URL. */
        llm: z.number().min(0).max(100).default(1),
      })
      .strict()
      .prefault({}),
    /** The graph takes the entities whose consensus support is at least this (domain/consensus.ts). */
    minSupport: z.number().min(0).max(1).default(0.5),
  })
  .strict();

/** When a document needs a person, and what happens when nobody decides in time. */
const verificationSchema = z
  .object({
    /** Consensus score below this goes to review (0: never for this reason). */
    minConsensus: z.number().min(0).max(1).default(0),
    /** Routing confidence below this goes to review (0: never for this reason). */
    minClassConfidence: z.number().min(0).max(1).default(0),
    /** How long a claim holds before another reviewer may take the task. */
    claimLeaseSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(1_800),
    /** Time for a decision, from when the task opens (and again after each escalation). */
    deadlineSeconds: z
      .number()
      .int()
      .min(1)
      .max(365 * 86_400)
      .default(3 * 86_400),
    /** At the deadline: escalate (reopen, flagged, for another deadline) or decide by default. */
    onDeadline: z.enum(['escalate', 'approve', 'reject']).default('escalate'),
  })
  .strict();

/** One entity type for the cartridge's extractor (domain/entities.ts); checked further below. */
const entityDefinitionSchema = z
  .object({
    type: z
      .string()
      .regex(entityTypePattern, 'a capital letter, then letters, digits or _, 1 to 64 characters'),
    terms: z
      .array(z.string().max(entityLimits.maxTermLength))
      .max(entityLimits.maxTermsPerDefinition)
      .optional(),
    patterns: z
      .array(z.string().min(1).max(entityLimits.maxPatternLength))
      .max(entityLimits.maxPatternsPerDefinition)
      .optional(),
    caseSensitive: z.boolean().default(false),
  })
  .strict();

export const cartridgeSchema = z
  .object({
    apiVersion: z.literal('missionflow/v1'),
    mission: z
      .object({
        id: z.string().regex(missionIdPattern, 'lower-case letters, digits, - and _, 1 to 48 characters'),
        name: z.string().min(1).max(200),
        description: z.string().max(2000).default(''),
      })
      .strict(),
    /** Lanes this mission may route to; worker pools and their concurrency are process settings. */
    lanes: z.array(z.string()).min(1, 'at least one lane must be enabled'),
    routing: z
      .object({
        defaultClass: z.string().min(1).max(64),
        defaultLane: z.string().min(1),
        rules: z.array(routingRuleSchema).default([]),
        /** Confidence in the default class when no rule matched. */
        defaultConfidence: z.number().min(0).max(1).default(1),
      })
      .strict(),
    chunking: z
      .object({
        size: z.number().int().min(200).max(20000),
        overlap: z.number().int().min(0),
      })
      .strict(),
    limits: z
      .object({
        maxDocumentBytes: z
          .number()
          .int()
          .min(1)
          .max(1024 * megabyte)
          .default(50 * megabyte),
        maxInflatedBytes: z
          .number()
          .int()
          .min(1)
          .max(4096 * megabyte)
          .default(200 * megabyte),
      })
      .strict()
      .default({ maxDocumentBytes: 50 * megabyte, maxInflatedBytes: 200 * megabyte }),
    search: searchSchema,
    entities: z.array(entityDefinitionSchema).max(entityLimits.maxDefinitions).default([]),
    extraction: extractionSchema.prefault({}),
    pii: piiSchema.prefault({}),
    verification: verificationSchema.prefault({}),
    /** Where the mission's data lives when the store offers a choice. */
    storage: z
      .object({
        /**
         * Qdrant: `shared` puts the mission's points in the collection of their embedding model,
         * keyed by a tenant-indexed mission_id (Qdrant's advice for many tenants); `dedicated` gives
         * the mission collections of its own (`mf_<mission>_<model>_<dim>`).
         */
        vectorCollection: z.enum(['shared', 'dedicated']).default('shared'),
      })
      .strict()
      .default({ vectorCollection: 'shared' }),
  })
  .strict()
  .superRefine((cartridge, ctx) => {
    // Semantic checks the shape cannot express, each reported at its field.
    checkLanesAndRouting(cartridge, ctx);
    checkSizes(cartridge, ctx);
    checkPatternsAndEntities(cartridge, ctx);
  });

export type Cartridge = z.infer<typeof cartridgeSchema>;
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Lanes exist; routing sends documents only to enabled lanes, with valid expressions and languages. */
function checkLanesAndRouting(cartridge: Cartridge, ctx: z.RefinementCtx): void {
  cartridge.lanes.forEach((lane, index) => {
    if (!isKnownLane(lane)) {
      ctx.addIssue({
        code: 'custom',
        path: ['lanes', index],
        message: `unknown lane '${lane}'; known lanes: ${knownLanes.join(', ')}`,
      });
    }
  });
  const enabled = new Set(cartridge.lanes);
  if (!enabled.has(cartridge.routing.defaultLane)) {
    ctx.addIssue({ code: 'custom', path: ['routing', 'defaultLane'], message: 'lane is not enabled' });
  }
  cartridge.routing.rules.forEach((rule, index) => {
    if (!enabled.has(rule.lane)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing', 'rules', index, 'lane'],
        message: 'lane is not enabled',
      });
    }
    if (rule.when.titlePattern !== undefined && !isValidRegExp(rule.when.titlePattern)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing', 'rules', index, 'when', 'titlePattern'],
        message: 'not a valid regular expression',
      });
    }
    (rule.when.languages ?? []).forEach((language, languageIndex) => {
      if (!detectableLanguages.includes(language)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'rules', index, 'when', 'languages', languageIndex],
          message: `not a detectable language; known: ${detectableLanguages.join(', ')}`,
        });
      }
    });
    for (const [field, pattern] of Object.entries(rule.when.metadata ?? {})) {
      if (!isValidRegExp(pattern)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'rules', index, 'when', 'metadata', field],
          message: 'not a valid regular expression',
        });
      }
    }
  });
}

/** Chunk overlap and search limits that only make sense together. */
function checkSizes(cartridge: Cartridge, ctx: z.RefinementCtx): void {
  if (cartridge.chunking.overlap >= cartridge.chunking.size / 2) {
    ctx.addIssue({
      code: 'custom',
      path: ['chunking', 'overlap'],
      message: 'overlap must be less than half the chunk size',
    });
  }
  if (cartridge.search.defaultLimit > cartridge.search.maxLimit) {
    ctx.addIssue({ code: 'custom', path: ['search', 'defaultLimit'], message: 'must not exceed maxLimit' });
  }
}

/** PII and entity patterns compile safely; entity types are unique, not reserved, and not empty. */
function checkPatternsAndEntities(cartridge: Cartridge, ctx: z.RefinementCtx): void {
  const entityTypes = new Map<string, number>();
  cartridge.pii.nationalIds.forEach((nationalId, index) => {
    const problem = piiPatternProblem(nationalId.pattern);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: ['pii', 'nationalIds', index, 'pattern'], message: problem });
    }
  });
  cartridge.entities.forEach((definition, index) => {
    const earlier = entityTypes.get(definition.type);
    if (earlier !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['entities', index, 'type'],
        message: `duplicate type; entities.${earlier} already defines '${definition.type}'`,
      });
    } else entityTypes.set(definition.type, index);
    if (reservedEntityTypes.includes(definition.type)) {
      ctx.addIssue({
        code: 'custom',
        path: ['entities', index, 'type'],
        message: `'${definition.type}' is reserved (${reservedEntityTypes.join(', ')})`,
      });
    }
    if ((definition.terms ?? []).length === 0 && (definition.patterns ?? []).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['entities', index], message: 'needs terms or patterns' });
    }
    definition.terms?.forEach((term, termIndex) => {
      if (entityKey(term) === '') {
        ctx.addIssue({
          code: 'custom',
          path: ['entities', index, 'terms', termIndex],
          message: 'blank term',
        });
      }
    });
    definition.patterns?.forEach((pattern, patternIndex) => {
      const problem = entityPatternProblem(pattern, definition.caseSensitive);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: ['entities', index, 'patterns', patternIndex],
          message: problem,
        });
      }
    });
  });
}

function isValidRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Validates an already-parsed cartridge object; field-level errors name the offending path. */
export function validateCartridge(value: unknown, source = 'cartridge'): Cartridge {
  const result = cartridgeSchema.safeParse(value);
  if (result.success) return result.data;
  const errors: FieldError[] = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
  throw new MissionflowError(
    'invalid_cartridge',
    `${source} is not valid: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
    errors,
  );
}

/** Parses and validates cartridge YAML (JSON is valid YAML too). */
export function parseCartridge(text: string, source = 'cartridge'): Cartridge {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message : String(error);
    throw new MissionflowError('invalid_cartridge', `${source} is not valid YAML: ${message}`, [
      { path: '(root)', message },
    ]);
  }
  return validateCartridge(value, source);
}
