import { WorkflowNotFoundError, type WorkflowClient } from '@temporalio/client';

/**
 * Whether the workflow `workflowId` has a run still going. A run that never existed (or was
 * removed by retention) counts as not running: nothing of it can still act.
 */
export async function isRunOpen(workflows: WorkflowClient, workflowId: string): Promise<boolean> {
  try {
    const run = await workflows.getHandle(workflowId).describe();
    return run.status.name === 'RUNNING';
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
