/**
 * Builds a Graph `fields` selection: `['id', { definition: ['api_name', 'target'] }]` becomes
 * `id,definition{api_name,target}`.
 */
export type FieldSelection = ReadonlyArray<string | { readonly [field: string]: FieldSelection }>;

export function buildFields(selection: FieldSelection): string {
  return selection
    .flatMap((item) =>
      typeof item === 'string'
        ? [item]
        : Object.entries(item).map(([name, nested]) => `${name}{${buildFields(nested)}}`),
    )
    .join(',');
}
