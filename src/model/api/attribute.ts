/**
 * How an API resource is declared, after neutron-lib's attribute maps: each attribute says
 * whether POST and PUT accept it, its converter, its default, whether it is a filter or a sort
 * key. Request validation, `fields`, filters, sorting and `GET /v2.0/extensions` derive from
 * these declarations; nothing else lists attributes.
 */
import type { Convert } from './validators.js';

/** How a query parameter on a list request matches the attribute. */
export type FilterKind =
  | 'string' // equal to the parameter
  | 'boolean' // the parameter converted with convert_to_boolean
  | 'integer'
  | 'contains' // a list attribute that contains the parameter
  | 'custom'; // the resource's own filter function handles it

export interface Attribute {
  readonly post?: boolean;
  readonly put?: boolean;
  /** A POST must give it. */
  readonly required?: boolean;
  /** Value used when a POST omits it; undefined means the resource's rules compute it. */
  readonly default?: unknown;
  readonly convert?: Convert<unknown>;
  /** False for attributes that are accepted but never shown. */
  readonly visible?: boolean;
  readonly filter?: FilterKind;
  readonly sort?: boolean;
}

export type AttributeMap = Readonly<Record<string, Attribute>>;

/** What a request holds for an attribute after its converter ran. */
export type ValueOf<A> = A extends { readonly convert: Convert<infer T> } ? T : unknown;
type DefaultOf<A> = A extends { readonly default: infer D } ? D : never;
type AlwaysGiven<A> = A extends { readonly required: true } ? true : A extends { readonly default: unknown } ? true : false;

/**
 * The values of a validated create request for the attributes of `M` (declared with
 * `satisfies`, so each attribute keeps its converter's type): the attributes POST accepts,
 * always there when required or defaulted, else possibly absent.
 */
export type CreateValues<M> = {
  readonly [K in keyof M as M[K] extends { readonly post: true } ? (AlwaysGiven<M[K]> extends true ? K : never) : never]:
    | ValueOf<M[K]>
    | (DefaultOf<M[K]> extends ValueOf<M[K]> ? never : DefaultOf<M[K]>);
} & {
  readonly [K in keyof M as M[K] extends { readonly post: true }
    ? AlwaysGiven<M[K]> extends true
      ? never
      : K
    : never]?: ValueOf<M[K]>;
};

/** The values of a validated update request: the attributes PUT accepts, each possibly absent. */
export type UpdateValues<M> = {
  readonly [K in keyof M as M[K] extends { readonly put: true } ? K : never]?: ValueOf<M[K]>;
};

export interface ResourceDeclaration {
  /** JSON key of one item: `network`, `security_group`. */
  readonly member: string;
  /** JSON key of a list and the URL segment after /v2.0/: `networks`, `security-groups`. */
  readonly collection: string;
  readonly path: string;
  readonly attributes: AttributeMap;
  /**
   * For a sub-resource (Neutron's SUB_RESOURCE_ATTRIBUTE_MAP: a floating IP's port forwardings):
   * the parent's member name; `path` then names the parent by a parameter
   * (`floatingips/:floatingip_id/port_forwardings`).
   */
  readonly parent?: { readonly member: string; readonly param: string };
  /** Other paths the collection is served at too (Neutron answers `/local-ips` as `/local_ips`). */
  readonly aliases?: readonly string[];
  /**
   * Where the tags of a member are (`<tagsAt>/{id}/tags`), when not under `path`: Neutron's tag
   * extension names a QoS policy's tags `/v2.0/policies/{id}/tags`.
   */
  readonly tagsAt?: string;
  /** Served as members only (show, update, delete), with no list or create: a QoS rule by alias. */
  readonly memberOnly?: boolean;
}

export interface ExtensionDeclaration {
  readonly alias: string;
  readonly name: string;
  readonly description: string;
  readonly updated: string;
  /** Top-level resources the extension adds. */
  readonly resources?: readonly ResourceDeclaration[];
  /** Attributes the extension adds to resources, by collection key. */
  readonly attributes?: Readonly<Record<string, AttributeMap>>;
}
