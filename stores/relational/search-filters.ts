import type { SearchFilters } from '../../domain/search';

/**
 * SQL conditions on the documents table (aliased `d`) for a search's filters, with their bind
 * parameters numbered from `firstParam`. Every value is a parameter; field names of metadata are
 * parameters too (`d.metadata ->> $n`), so nothing a client sends becomes SQL text.
 */
export function filterConditions(
  filters: SearchFilters | undefined,
  firstParam: number,
): { sql: string[]; params: unknown[] } {
  const sql: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown): string => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  };
  if (!filters) return { sql, params };
  if (filters.class !== undefined) {
    const classes = Array.isArray(filters.class) ? filters.class : [filters.class];
    sql.push(`d.document_class = ANY(${param(classes)}::text[])`);
  }
  if (filters.labels?.length) sql.push(`d.labels @> ${param(filters.labels)}::text[]`);
  for (const [field, value] of Object.entries(filters.metadata ?? {})) {
    // Compared as JSON, so 3 matches the number 3 and not the string "3".
    sql.push(`d.metadata -> ${param(field)} = ${param(JSON.stringify(value))}::jsonb`);
  }
  if (filters.contentVersion !== undefined) sql.push(`c.content_version = ${param(filters.contentVersion)}`);
  if (filters.documentIds?.length) sql.push(`d.document_id = ANY(${param(filters.documentIds)}::text[])`);
  if (filters.createdAfter) sql.push(`d.created_at >= ${param(filters.createdAfter)}::timestamptz`);
  if (filters.createdBefore) sql.push(`d.created_at < ${param(filters.createdBefore)}::timestamptz`);
  if (filters.indexedAfter) sql.push(`d.indexed_at >= ${param(filters.indexedAfter)}::timestamptz`);
  if (filters.indexedBefore) sql.push(`d.indexed_at < ${param(filters.indexedBefore)}::timestamptz`);
  return { sql, params };
}
