import type { Cartridge } from './cartridge';
import type { Block } from './parsed';
import { compilePiiScanner, countPii, piiTypes, redactPii, type PiiType } from './pii';

/** What the PII scan of a document found, what it redacted, and which types want a person. */
export interface PiiOutcome {
  /** The blocks to chunk: redacted copies where the policy says `redact`, else the originals. */
  blocks: Block[];
  found: Record<PiiType, number>;
  redacted: Record<PiiType, number>;
  review: PiiType[];
  anyRedacted: boolean;
}

/**
 * The cartridge's PII policy over parsed blocks, per type: `redact` replaces each finding in the
 * text everything downstream is made from; `review` sends the document to a person; anything
 * else is only counted.
 */
export function applyPiiPolicy(blocks: readonly Block[], pii: Cartridge['pii']): PiiOutcome {
  const scan = compilePiiScanner(pii.nationalIds);
  const redactTypes = new Set(piiTypes.filter((type) => pii.policy[type] === 'redact'));
  const found = countPii([]);
  const redacted = countPii([]);
  const out = blocks.map((block) => {
    const findings = scan(block.text);
    if (findings.length === 0) return block;
    for (const finding of findings) {
      found[finding.type] += 1;
      if (redactTypes.has(finding.type)) redacted[finding.type] += 1;
    }
    return redactTypes.size > 0 ? { ...block, text: redactPii(block.text, findings, redactTypes) } : block;
  });
  return {
    blocks: out,
    found,
    redacted,
    review: piiTypes.filter((type) => pii.policy[type] === 'review' && found[type] > 0),
    anyRedacted: piiTypes.some((type) => redacted[type] > 0),
  };
}
