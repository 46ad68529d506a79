import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import type { ErrorDetail } from './domain-errors';

/**
 * TypeBox's findings in people's words, one per field: the schema's own `error` text where it has
 * one. Both the JSON API (through Elysia) and the HTML forms report field errors this way.
 */
export function fieldErrorsOf(issues: Iterable<ValueError>, wholeValue = 'body'): ErrorDetail[] {
  const details = new Map<string, ErrorDetail>();
  for (const issue of issues) {
    const field = fieldOf(issue.path) || wholeValue;
    details.set(field, { field, message: messageOf(issue) });
  }
  return [...details.values()];
}

/** TypeBox paths look like "/title" or "/items/0"; people read "title" and "items.0". */
const fieldOf = (path: string) => path.replace(/^\//, '').replaceAll('/', '.');

function messageOf(issue: ValueError): string {
  if (issue.type === ValueErrorType.ObjectAdditionalProperties) return 'is not a known field';
  if (issue.value === undefined) return 'is required';
  const ownWords = (issue.schema as { error?: unknown }).error;
  if (typeof ownWords === 'string') return ownWords;
  return issue.message.replace(/^Expected/, 'expected');
}
