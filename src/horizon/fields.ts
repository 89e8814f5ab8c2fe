/**
 * Builds a Graph `fields` selection: `['id', { definition: ['api_name', 'target'] }]` becomes
 * `id,definition{api_name,target}`.
 */
import type { FieldSelection } from '../shared/read-fields.ts';

export type { FieldSelection };

export function buildFields(selection: FieldSelection): string {
  return selection
    .flatMap((item) =>
      typeof item === 'string'
        ? [item]
        : Object.entries(item).map(([name, nested]) => `${name}{${buildFields(nested)}}`),
    )
    .join(',');
}
