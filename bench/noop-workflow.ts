import { proxyActivities } from '@temporalio/workflow';

/** The ceiling: a workflow that runs one trivial remote activity. */
const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '1m' });

export async function oneActivity(): Promise<void> {
  await noop();
}
