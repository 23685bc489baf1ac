/**
 * The contract between the generic collection routes and one resource's rules. The routes
 * parse and validate requests from the declaration, enforce policy, run these functions inside
 * one store transaction, and render the result; the functions hold only Neutron's semantics.
 */
import type { ResourceDeclaration } from '../../model/api/attribute.js';
import type { QuarkError } from '../../model/errors.js';
import type { QuotaResource } from '../../model/quota.js';
import type { Kind, KindRecords } from '../../store/kinds.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { PluginContext, Services } from '../plugin/context.js';
import type { Caller } from '../caller.js';
import type { Target } from '../policy.js';
import type { AttributeValues } from './request-body.js';

/**
 * One resource's rules. `C` and `U` are the values of its validated create and update requests
 * (`CreateValues`/`UpdateValues` of its declarations, src/model/api/values.ts); the generic
 * routes hand them over as the declaration made them.
 */
export interface ResourceHandler<K extends Kind, C extends object = AttributeValues, U extends object = AttributeValues> {
  readonly kind: K;
  /** The collection path (`networks`); the declaration is looked up in the API registry by it. */
  readonly path: string;
  /** The declaration merged with every loaded extension; set by `bindHandler`. */
  readonly declaration: ResourceDeclaration;
  /** The error for an id that does not exist or that the caller may not see. */
  notFound(id: string): QuarkError;
  /**
   * Ownership facts policy needs about a record; with `changes` (an update's values), about the
   * record as the update would leave it, as Neutron's policy target is the record merged with the body.
   */
  target(view: ReadView, record: KindRecords[K], changes?: U): Target;
  /**
   * When an update is refused: what Neutron's get_<member> check sees before it chooses between
   * 403 and 404 (the record read with only the attributes policy needs). Set where that differs
   * from `target`: an address group's `shared` is no attribute, so a project that sees the group
   * only through sharing is told it does not exist.
   */
  updateReadTarget?(view: ReadView, record: KindRecords[K]): Target;
  /** Attributes computed at read time (a network's subnets, an agent's liveness). */
  derived?(view: ReadView, record: KindRecords[K], services: Services): Record<string, unknown>;
  /**
   * Attributes computed from the record alone (and the server's configuration), so a long list
   * may render them after the request's turn (list-body.ts): a port's dns_assignment.
   */
  recordDerived?(record: KindRecords[K], services: Services): Record<string, unknown>;
  /**
   * Attributes whose value depends on who asks: `shared` is true for the projects an RBAC
   * policy names. Null when the stored record is already right for this caller (the common case).
   */
  forCaller?(view: ReadView, record: KindRecords[K], caller: Caller): Record<string, unknown> | null;
  /**
   * For lists by a caller who is not an admin: the records get_<member> may let a member or
   * reader of `projectId` see, found through indexes. More do no harm (each is still checked);
   * fewer would hide records. Without it, a project member's page passes over every record of
   * the kind that it cannot see.
   */
  visibleTo?(view: ReadView, projectId: string): Iterable<KindRecords[K]>;
  /** Quota counted against the owner on create. */
  readonly quota?: QuotaResource;
  /**
   * Policy facts about a create request before the record exists (the network's owner…). Its
   * projectId is the new record's owner, against whose quota the create counts; it may differ
   * from the requested project (a security group rule belongs to its group's project).
   */
  createTarget?(view: ReadView, ctx: PluginContext, values: C, projectId: string): Target;
  create(tx: WriteTx, ctx: PluginContext, values: C, projectId: string): KindRecords[K];
  update(tx: WriteTx, ctx: PluginContext, record: KindRecords[K], values: U): KindRecords[K];
  delete(tx: WriteTx, ctx: PluginContext, record: KindRecords[K]): void;
  /**
   * Writes a list request needs before it reads (Neutron creates a project's default security
   * group when the project lists its groups). Returns null when there is nothing to write, so
   * lists stay read-only in the common case.
   */
  beforeList?(
    view: ReadView,
    ctx: PluginContext,
    filters: ReadonlyMap<string, readonly string[]>,
  ): ((tx: WriteTx) => void) | null;
  /** Handles filters declared 'custom' (fixed_ips on ports, shared on subnets). */
  filter?(record: KindRecords[K], name: string, values: readonly string[], view: ReadView, caller: Caller): boolean;
  /**
   * A sub-resource's parent (a port forwarding's floating IP): the parent's kind, the index of
   * this kind by parent, the parent id of a record, and what a request under a parent the
   * caller cannot see answers (Neutron differs per resource, measured on Neutron 21).
   */
  readonly parent?: ParentSpec<K>;
  /** Set on a handler bound to one parent (sub-collection-routes.ts): the records listed. */
  records?(view: ReadView): readonly KindRecords[K][];
  /** Set on a handler bound to one parent: whether a record is under it (else it is not found there). */
  belongs?(record: KindRecords[K]): boolean;
}

export interface ParentSpec<K extends Kind> {
  readonly kind: Kind;
  /** The index of K by parent id (`floatingip` for port forwardings). */
  readonly index: string;
  of(record: KindRecords[K]): string;
  /** Listing under a parent the caller cannot see: its 404 (`not-found`) or an empty list. */
  readonly list: 'not-found' | 'empty';
  /** Show, update or delete under a parent the caller cannot see: the parent's 404 or the record's own. */
  readonly member: 'parent' | 'record';
  /** The record id of a member URL's id, when members are named otherwise (an association by its port). */
  key?(parentId: string, id: string): string;
  /**
   * A create under a parent the caller cannot see: the parent's 404 (the default), or the
   * create's policy check first (`policy-first`: a QoS rule, which only admins write, answers a
   * member 403 whatever the policy id; Neutron's order).
   */
  readonly create?: 'parent-first' | 'policy-first';
  /** The error for a record not found under a parent, when it names the parent (a QoS rule's policy). */
  notFoundUnder?(parentId: string, id: string): QuarkError;
}

/**
 * The resource name in policy actions: Neutron names a sub-resource's actions after its parent
 * too (`create_floatingip_port_forwarding`).
 */
export function policyMember(decl: ResourceDeclaration): string {
  return decl.parent ? `${decl.parent.member}_${decl.member}` : decl.member;
}

/** Handlers of any kind, as the route table holds them. */
// biome-ignore lint/suspicious/noExplicitAny: the table is heterogeneous by design; each entry is typed where it is made.
export type AnyResourceHandler = ResourceHandler<any, any, any>;

/** A handler as a resource module writes it: everything but the merged declaration. */
export type HandlerSpec<K extends Kind, C extends object = AttributeValues, U extends object = AttributeValues> = Omit<
  ResourceHandler<K, C, U>,
  'declaration'
>;

export function bindHandler<K extends Kind, C extends object, U extends object>(
  spec: HandlerSpec<K, C, U>,
  resources: ReadonlyMap<string, ResourceDeclaration>,
): ResourceHandler<K, C, U> {
  const declaration = resources.get(spec.path);
  if (!declaration) throw new Error(`no API declaration for ${spec.path}`);
  return { ...spec, declaration };
}
