/**
 * InfluxQL text for the Influx store. Values are checked before they get here; quoting is the
 * second line of defence, so every identifier and literal still goes through quoteIdent/quoteString.
 */
export const MEASUREMENT = 'telemetry';

/** Double-quoted identifier with `\` and `"` escaped. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

/** Single-quoted string literal with `\` and `'` escaped. */
export function quoteString(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

export function createDatabaseQuery(database: string): string {
  return `CREATE DATABASE ${quoteIdent(database)}`;
}

export function fieldKeysQuery(): string {
  return `SHOW FIELD KEYS FROM ${quoteIdent(MEASUREMENT)}`;
}

/**
 * One statement per field: in InfluxQL 1.x `last()` over several fields (or `last(*)`) reports
 * time 0 instead of each field's own timestamp.
 */
export function latestStatements(fields: readonly string[], greenhouses: readonly string[]): string[] {
  const where = greenhouses.map((g) => `${quoteIdent('greenhouse')} = ${quoteString(g)}`).join(' OR ');
  const groupBy = `${quoteIdent('device')}, ${quoteIdent('greenhouse')}`;
  return fields.map((f) => `SELECT last(${quoteIdent(f)}) FROM ${quoteIdent(MEASUREMENT)} WHERE (${where}) GROUP BY ${groupBy}`);
}

/**
 * Joins statements into `;`-separated queries of at most maxChars each (a single longer statement
 * stands alone). Queries go in the URL of a GET, the one /query method every version documents,
 * and URLs have length limits along the way.
 */
export function joinStatements(statements: readonly string[], maxChars = 8_000): string[] {
  const queries: string[] = [];
  let current = '';
  for (const statement of statements) {
    if (current !== '' && current.length + 2 + statement.length > maxChars) {
      queries.push(current);
      current = '';
    }
    current = current === '' ? statement : `${current}; ${statement}`;
  }
  if (current !== '') queries.push(current);
  return queries;
}
