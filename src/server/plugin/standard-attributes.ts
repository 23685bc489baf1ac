import type { StandardAttributes } from '../../model/resources.js';

/** What a create request says of a new record's standard attributes (validation gave the defaults). */
export interface NamedValues {
  readonly name?: unknown;
  readonly description?: unknown;
}

/**
 * A new record's standard attributes. The times and the revision start empty because the store
 * stamps them when it puts the record.
 */
export function newStandardAttributes(id: string, projectId: string, v: NamedValues = {}): StandardAttributes {
  return {
    id,
    project_id: projectId,
    name: typeof v.name === 'string' ? v.name : '',
    description: typeof v.description === 'string' ? v.description : '',
    tags: [],
    created_at: '',
    updated_at: '',
    revision_number: 0,
  };
}
