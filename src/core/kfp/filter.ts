// The `filter` query parameter: a JSON Filter, URL-encoded once more before it
// is put in the query string. The server decodes the query, then runs
// url.QueryUnescape on the value again (server/list_request_util.go), so a
// `+` or `%` inside a value is corrupted unless encoded twice, as the KFP UI does.
import type { Filter, Predicate, PredicateOperation } from './types';

const V1_OPS: Record<PredicateOperation, number> = {
  EQUALS: 1, NOT_EQUALS: 2, GREATER_THAN: 3, GREATER_THAN_EQUALS: 5,
  LESS_THAN: 6, LESS_THAN_EQUALS: 7, IN: 8, IS_SUBSTRING: 9,
};

/** The value to give URLSearchParams (which encodes it a second time). */
export function encodeFilter(filter: Filter): string {
  return encodeURIComponent(JSON.stringify(filter));
}

/** v1beta1 names the operation `op`. */
export function encodeFilterV1(filter: Filter): string {
  const predicates = filter.predicates.map((p: Predicate) => {
    const { operation, ...rest } = p;
    // v1beta1 names the display name `name`.
    return { ...rest, key: rest.key === 'display_name' ? 'name' : rest.key, op: V1_OPS[operation] };
  });
  return encodeURIComponent(JSON.stringify({ predicates }));
}

export function nameContains(text: string, key = 'name'): Filter {
  return { predicates: [{ key, operation: 'IS_SUBSTRING', string_value: text }] };
}

export function and(...filters: Array<Filter | undefined>): Filter | undefined {
  const predicates = filters.flatMap((f) => f?.predicates ?? []);
  return predicates.length ? { predicates } : undefined;
}

export const notArchived: Filter = { predicates: [{ key: 'storage_state', operation: 'NOT_EQUALS', string_value: 'ARCHIVED' }] };
