import { condition, defineSignal, defineUpdate, setHandler, sleep } from '@temporalio/workflow';

/**
 * Tiny workflows for test/integration/time-skipping.test.ts. Each reports the times it saw: inside a
 * workflow `Date.now()` is the time of the current workflow task, which on the time-skipping server
 * is the server's (skipped) clock, so the difference shows how much time the workflow lived through.
 */

export interface Span {
  startedAt: number;
  endedAt: number;
}

/** A durable timer of three days. */
export async function sleepThreeDays(): Promise<Span> {
  const startedAt = Date.now();
  await sleep('3 days');
  return { startedAt, endedAt: Date.now() };
}

/** Approves the waiting workflow and returns the workflow time at which the update ran. */
export const approveUpdate = defineUpdate<number, [string]>('approve');
/** The same approval, fire-and-forget. */
export const approveSignal = defineSignal<[string]>('approve');

export interface Approval extends Span {
  /** Who approved, or null when the two days ran out first. */
  approvedBy: string | null;
}

/** Waits up to two days for an approval by update or signal. */
export async function awaitApproval(): Promise<Approval> {
  const startedAt = Date.now();
  let approvedBy: string | null = null;
  setHandler(approveUpdate, (by) => {
    approvedBy = by;
    return Date.now();
  });
  setHandler(approveSignal, (by) => {
    approvedBy = by;
  });
  await condition(() => approvedBy !== null, '2 days');
  return { startedAt, endedAt: Date.now(), approvedBy };
}
