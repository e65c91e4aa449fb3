import { entityTypePattern, reservedEntityTypes } from './entities';
import type { FieldError } from './errors';

/**
 * The human verification queue's vocabulary, shared by the workflow (which waits for and validates
 * decisions), the API (which lists, claims and forwards them) and the store.
 */

export const verificationTaskStates = ['open', 'claimed', 'decided', 'expired'] as const;
export type VerificationTaskState = (typeof verificationTaskStates)[number];

/** Why a document needs a person. */
export const reviewReasons = ['low_consensus', 'low_class_confidence', 'pii'] as const;
export type ReviewReason = (typeof reviewReasons)[number];

export const reviewDecisions = ['approve', 'reject', 'correct'] as const;

/** What a reviewer may change when correcting a document. */
export interface Corrections {
  documentClass?: string;
  labels?: string[];
  entities?: {
    /** Entities the extractors missed: found in the text as dictionary terms of the given type. */
    add?: Array<{ type: string; name: string }>;
    /** Entities that are wrong: left out of the graph. `key` is the entity's key as listed. */
    remove?: Array<{ type: string; key: string }>;
  };
}

export interface ReviewDecision {
  /** The task decided; a decision for another (older) task of the document is stale. */
  taskId: string;
  decision: (typeof reviewDecisions)[number];
  reviewer: string;
  reason?: string;
  corrections?: Corrections;
}

/** What the workflow answers when it accepts a decision. */
export interface DecisionAccepted {
  taskId: string;
  decision: ReviewDecision['decision'];
  /** Where the document goes now. */
  outcome: 'indexing' | 'rejected';
}

/** One verification task per document content version. */
export function verificationTaskId(documentId: string, contentVersion: number): string {
  return `${documentId}-v${contentVersion}`;
}

export const verificationTaskIdPattern = /^[0-9a-f]{32}-v[1-9][0-9]{0,8}$/;

/** Reviewer names: what the audit trail records. */
export const reviewerPattern = /^[\p{L}\p{N}._@+-]{1,128}$/u;

const limits = { entities: 200, labels: 50, text: 200, reason: 2_000 };

/**
 * The problems with a decision's content, as field errors (empty when it is well formed). Pure, so
 * the workflow's Update validator and the API check exactly the same rules.
 */
export function decisionProblems(decision: ReviewDecision): FieldError[] {
  const problems: FieldError[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });
  if (!(reviewDecisions as readonly string[]).includes(decision.decision)) {
    problem('decision', `must be one of ${reviewDecisions.join(', ')}`);
  }
  if (typeof decision.reviewer !== 'string' || !reviewerPattern.test(decision.reviewer)) {
    problem('reviewer', 'letters, digits and . _ @ + -, 1 to 128 characters');
  }
  if (
    decision.reason !== undefined &&
    (typeof decision.reason !== 'string' || decision.reason.length > limits.reason)
  ) {
    problem('reason', `text of at most ${limits.reason} characters`);
  }
  if (decision.decision === 'reject' && !decision.reason?.trim()) {
    problem('reason', 'a rejection needs a reason');
  }
  const corrections = decision.corrections;
  if (decision.decision !== 'correct') {
    if (corrections !== undefined) problem('corrections', `only a 'correct' decision carries corrections`);
    return problems;
  }
  if (!corrections || typeof corrections !== 'object') {
    problem('corrections', `a 'correct' decision needs corrections`);
    return problems;
  }
  const { documentClass, labels, entities } = corrections;
  if (documentClass === undefined && labels === undefined && entities === undefined) {
    problem('corrections', 'give documentClass, labels or entities');
  }
  if (documentClass !== undefined && (typeof documentClass !== 'string' || !shortText(documentClass))) {
    problem('corrections.documentClass', `text of 1 to ${limits.text} characters`);
  }
  if (labels !== undefined) {
    if (!Array.isArray(labels) || labels.length > limits.labels) {
      problem('corrections.labels', `a list of at most ${limits.labels} labels`);
    } else {
      labels.forEach((label, i) => {
        if (typeof label !== 'string' || !shortText(label)) {
          problem(`corrections.labels.${i}`, `text of 1 to ${limits.text} characters`);
        }
      });
    }
  }
  if (entities !== undefined) {
    const add = entities.add ?? [];
    const remove = entities.remove ?? [];
    if (!Array.isArray(add) || !Array.isArray(remove) || add.length + remove.length > limits.entities) {
      problem('corrections.entities', `lists add and remove of at most ${limits.entities} entities in all`);
      return problems;
    }
    const checkEntity = (path: string, type: unknown, text: unknown) => {
      if (typeof type !== 'string' || !entityTypePattern.test(type) || reservedEntityTypes.includes(type)) {
        problem(`${path}.type`, 'an entity type: a capital letter, then letters, digits or _');
      }
      if (typeof text !== 'string' || !shortText(text)) {
        problem(path, `text of 1 to ${limits.text} characters`);
      }
    };
    add.forEach((entity, i) => checkEntity(`corrections.entities.add.${i}`, entity?.type, entity?.name));
    remove.forEach((entity, i) => checkEntity(`corrections.entities.remove.${i}`, entity?.type, entity?.key));
  }
  return problems;
}

function shortText(text: string): boolean {
  return text.trim().length > 0 && text.length <= limits.text;
}
