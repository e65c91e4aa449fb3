import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { customSearchAttributes } from '../domain/search-attributes';

const { IndexedValueType } = temporal.api.enums.v1;

/**
 * Makes sure a namespace exists with missionflow's search attributes, for clusters (and test
 * namespaces) that were not started with them. Idempotent.
 */
export async function ensureNamespace(
  connection: Connection,
  namespace: string,
  retentionDays = 7,
): Promise<void> {
  const exists = await connection.workflowService.describeNamespace({ namespace }).then(
    () => true,
    (error: unknown) => {
      if ((error as { code?: number }).code === 5) return false; // NOT_FOUND
      throw error;
    },
  );
  if (!exists) {
    try {
      await connection.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs(retentionDays * 24 * 3600 * 1000),
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  const wanted = Object.fromEntries(
    customSearchAttributes.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
  );
  // Each service caches namespaces and refreshes on its own schedule: a namespace that was just
  // registered or updated can briefly be unknown to the operator service, so retry until it agrees.
  await waitFor(async () => {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.fromEntries(
      Object.entries(wanted).filter(([name]) => !(name in (existing.customAttributes ?? {}))),
    );
    if (Object.keys(missing).length === 0) return;
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
    throw new Error(`search attributes ${Object.keys(missing).join(', ')} not yet visible in ${namespace}`);
  });
}

function isAlreadyExists(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: number }).code === 6;
}

async function waitFor(check: () => Promise<void>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
