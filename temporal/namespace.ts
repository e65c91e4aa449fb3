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
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(retentionDays * 24 * 3600 * 1000),
    });
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  await waitFor(async () => {
    await connection.workflowService.describeNamespace({ namespace });
  });
  const wanted = Object.fromEntries(
    customSearchAttributes.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
  );
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.fromEntries(
    Object.entries(wanted).filter(([name]) => !(name in (existing.customAttributes ?? {}))),
  );
  if (Object.keys(missing).length > 0) {
    try {
      await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
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
