/**
 * The callers of the per-role policy tests: one project ('own') seen by its admin, member and
 * reader, and a member of another project; with the checks every such test makes.
 */
import assert from 'node:assert/strict';
import type { As, TestServer } from './harness.js';

export const ADMIN: As = { project: 'ops', roles: 'admin' };
export const MEMBER: As = { project: 'own', roles: 'member' };
export const READER: As = { project: 'own', roles: 'reader' };
export const OTHER: As = { project: 'other', roles: 'member' };

export type Who = 'admin' | 'member' | 'reader' | 'other';
export const CALLERS: Record<Who, As> = { admin: ADMIN, member: MEMBER, reader: READER, other: OTHER };

export interface RoleChecks {
  status(method: string, path: string, as: As, body?: unknown): Promise<number>;
  /** The status `call` gets as each caller named in `expected`. */
  expectAll(label: string, call: (as: As) => Promise<number>, expected: Partial<Record<Who, number>>): Promise<void>;
  /** Show, update and delete of a member's record, for every role. */
  memberRecord(collection: string, member: string, id: string, update: object): Promise<void>;
}

/** The checks, against the server `server()` returns when they run (tests make it in `before`). */
export function roleChecks(server: () => TestServer): RoleChecks {
  const status = async (method: string, path: string, as: As, body?: unknown) =>
    (await server().request(method, path, body, as)).status;
  const expectAll: RoleChecks['expectAll'] = async (label, call, expected) => {
    for (const who of Object.keys(expected) as Who[]) {
      assert.equal(await call(CALLERS[who]), expected[who], `${label} as ${who}`);
    }
  };
  const memberRecord: RoleChecks['memberRecord'] = async (collection, member, id, update) => {
    const path = `/v2.0/${collection}/${id}`;
    await expectAll(`GET ${collection}`, (as) => status('GET', path, as), { admin: 200, member: 200, reader: 200, other: 404 });
    await expectAll(`PUT ${collection}`, (as) => status('PUT', path, as, { [member]: update }), {
      reader: 403,
      other: 404,
      member: 200,
      admin: 200,
    });
    await expectAll(`DELETE ${collection}`, (as) => status('DELETE', path, as), { reader: 403, other: 404, member: 204 });
  };
  return { status, expectAll, memberRecord };
}
