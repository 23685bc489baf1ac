/**
 * The one error type of Quark. Every failure carries a code from a closed set; the API layer maps
 * it to Neutron's wire form `{"NeutronError": {"type", "message", "detail"}}` and HTTP status.
 * Codes are Neutron's exception class names where Neutron has one, so clients that switch on
 * `type` keep working. Codes are append-only: never rename or reuse one (docs/errors.md lists them).
 */

/** How a code reaches the outside world. `internal` codes never reach API clients as such. */
export interface ErrorKind {
  readonly status: number;
  readonly internal?: true;
}

export const ERROR_CODES = {
  // 400 — the request itself is wrong.
  HTTPBadRequest: { status: 400 },
  InvalidInput: { status: 400 },
  BadRequest: { status: 400 },
  InvalidAllocationPool: { status: 400 },
  InvalidIpForSubnet: { status: 400 },
  InvalidIpForNetwork: { status: 400 },
  BadRouterInterface: { status: 400 },
  InvalidRoutes: { status: 400 },
  OutOfBoundsAllocationPool: { status: 400 },
  DNSNameServersExhausted: { status: 400 },
  HostRoutesExhausted: { status: 400 },
  DuplicateAddressPairInRequest: { status: 400 },
  PortSecurityAndIPRequiredForSecurityGroups: { status: 400 },
  ValidationError: { status: 400 },
  SubnetMismatchForPort: { status: 400 },
  RoutesExhausted: { status: 400 },
  ExternalIpAddressExhausted: { status: 400 },
  InvalidCIDR: { status: 400 },
  SecurityGroupRuleParameterConflict: { status: 400 },
  SecurityGroupRemoteGroupAndRemoteIpPrefix: { status: 400 },
  SecurityGroupProtocolRequiredWithPorts: { status: 400 },
  SecurityGroupInvalidPortRange: { status: 400 },
  SecurityGroupInvalidPortValue: { status: 400 },
  SecurityGroupInvalidIcmpValue: { status: 400 },
  SecurityGroupMissingIcmpType: { status: 400 },
  SecurityGroupInvalidProtocolForPort: { status: 400 },
  SecurityGroupEthertypeConflictWithProtocol: { status: 400 },
  SecurityGroupRuleInvalidProtocol: { status: 400 },
  InvalidActionForType: { status: 400 },
  InvalidServiceType: { status: 400 },
  ServiceProfileEmpty: { status: 400 },
  AddressScopeUpdateError: { status: 400 },
  NetworkAddressScopeAffinityError: { status: 400 },
  NetworkSubnetPoolAffinityError: { status: 400 },
  SubnetPoolDeleteError: { status: 400 },
  IllegalSubnetPoolPrefixBounds: { status: 400 },
  IllegalSubnetPoolPrefixUpdate: { status: 400 },
  IllegalSubnetPoolAssociationToAddressScope: { status: 400 },
  IllegalSubnetPoolIpVersionAssociationToAddressScope: { status: 400 },
  IllegalSubnetPoolUpdate: { status: 400 },
  MinPrefixSubnetAllocationError: { status: 400 },
  MaxPrefixSubnetAllocationError: { status: 400 },
  EmptySubnetPoolPrefixList: { status: 400 },
  PrefixVersionMismatch: { status: 400 },
  UnsupportedMinSubnetPoolPrefix: { status: 400 },
  // 401 / 403 — who is asking.
  NotAuthenticated: { status: 401 },
  PolicyNotAuthorized: { status: 403 },
  ForbiddenAction: { status: 403 },
  // 404 — it does not exist (or the caller may not know that it does).
  HTTPNotFound: { status: 404 },
  NetworkNotFound: { status: 404 },
  SubnetNotFound: { status: 404 },
  PortNotFound: { status: 404 },
  RouterNotFound: { status: 404 },
  FloatingIPNotFound: { status: 404 },
  SecurityGroupNotFound: { status: 404 },
  SecurityGroupRuleNotFound: { status: 404 },
  AgentNotFound: { status: 404 },
  ExtensionNotFound: { status: 404 },
  TagNotFound: { status: 404 },
  TenantQuotaNotFound: { status: 404 },
  RbacPolicyNotFound: { status: 404 },
  AddressScopeNotFound: { status: 404 },
  SubnetPoolNotFound: { status: 404 },
  AvailabilityZoneNotFound: { status: 404 },
  FlavorNotFound: { status: 404 },
  ServiceProfileNotFound: { status: 404 },
  ServiceProfileDriverNotFound: { status: 404 },
  FlavorServiceProfileBindingNotFound: { status: 404 },
  ExternalGatewayForFloatingIPNotFound: { status: 404 },
  RouterInterfaceNotFound: { status: 404 },
  RouterInterfaceNotFoundForSubnet: { status: 404 },
  DomainNotFound: { status: 404 },
  ProjectNotFound: { status: 404 },
  UserNotFound: { status: 404 },
  RoleNotFound: { status: 404 },
  RoleAssignmentNotFound: { status: 404 },
  TokenNotFound: { status: 404 },
  ServiceNotFound: { status: 404 },
  EndpointNotFound: { status: 404 },
  RegionNotFound: { status: 404 },
  // 405 — the resource exists but not this verb.
  HTTPMethodNotAllowed: { status: 405 },
  // 409 — the request conflicts with what is stored.
  NetworkInUse: { status: 409 },
  SubnetInUse: { status: 409 },
  PortInUse: { status: 409 },
  IpAddressInUse: { status: 409 },
  IpAddressGenerationFailure: { status: 409 },
  IpAddressAlreadyAllocated: { status: 409 },
  MacAddressInUse: { status: 409 },
  OverlappingAllocationPools: { status: 409 },
  GatewayConflictWithAllocationPools: { status: 409 },
  RouterInUse: { status: 409 },
  RouterInterfaceInUseByFloatingIP: { status: 409 },
  SecurityGroupInUse: { status: 409 },
  SecurityGroupRuleExists: { status: 409 },
  SecurityGroupCannotRemoveDefault: { status: 409 },
  FloatingIPPortAlreadyAssociated: { status: 409 },
  OverQuota: { status: 409 },
  InUse: { status: 409 },
  GatewayIpInUse: { status: 409 },
  FlatNetworkInUse: { status: 409 },
  VlanIdInUse: { status: 409 },
  TunnelIdInUse: { status: 409 },
  InvalidSharedSetting: { status: 409 },
  AddressPairAndPortSecurityRequired: { status: 409 },
  L3PortInUse: { status: 409 },
  PortSecurityPortHasSecurityGroup: { status: 409 },
  Conflict: { status: 409 },
  RouterInterfaceInUseByRoute: { status: 409 },
  RouterExternalGatewayInUseByFloatingIp: { status: 409 },
  SecurityGroupCannotUpdateDefault: { status: 409 },
  SecurityGroupDefaultAlreadyExists: { status: 409 },
  ExternalNetworkInUse: { status: 409 },
  RbacPolicyInUse: { status: 409 },
  FlavorInUse: { status: 409 },
  ServiceProfileInUse: { status: 409 },
  FlavorServiceProfileBindingExists: { status: 409 },
  DuplicateRbacPolicy: { status: 409 },
  AddressScopeInUse: { status: 409 },
  AddressScopePrefixConflict: { status: 409 },
  SubnetPoolQuotaExceeded: { status: 409 },
  SubnetAllocationError: { status: 409 },
  DeviceIDNotOwnedByTenant: { status: 409 },
  // Security group extensions: address groups, stateless groups, logging (docs/security-groups.md).
  AddressesAlreadyExist: { status: 400 },
  AddrFormatError: { status: 400 },
  SecurityGroupMultipleRemoteEntites: { status: 400 },
  InvalidLogResourceType: { status: 400 },
  InvalidResourceConstraint: { status: 400 },
  AddressGroupNotFound: { status: 404 },
  AddressesNotFound: { status: 404 },
  LogResourceNotFound: { status: 404 },
  ResourceNotFound: { status: 404 },
  TargetResourceNotFound: { status: 404 },
  AddressGroupInUse: { status: 409 },
  SecurityGroupConflict: { status: 409 },
  LoggingTypeNotSupported: { status: 409 },
  // HA routers (docs/l3.md).
  NoVRIDAvailable: { status: 409 },
  // Router extensions: port forwarding, metering, conntrack helpers (docs/port-forwarding.md, docs/metering.md).
  ConntrackHelperNotAllowed: { status: 400 },
  InvalidProtocolForHelper: { status: 400 },
  // Neutron's metering plugin raises its bare `Invalid`, which Neutron 21 answers with 500 (measured);
  // the request is at fault, so Quark answers 400 with the same type and message.
  Invalid: { status: 400 },
  LocalIPNoIP: { status: 400 },
  LocalIPRequestedIPNotFound: { status: 400 },
  LocalIPNoRequestedIP: { status: 400 },
  LocalIPPortOrNetworkRequired: { status: 400 },
  LocalIPNotFound: { status: 404 },
  LocalIPAssociationNotFound: { status: 404 },
  LocalIPInUse: { status: 409 },
  ServicePortInUse: { status: 409 },
  PortForwardingNotFound: { status: 404 },
  MeteringLabelNotFound: { status: 404 },
  MeteringLabelRuleNotFound: { status: 404 },
  ConntrackHelperNotFound: { status: 404 },
  FipInUseByPortForwarding: { status: 409 },
  PortHasBindingFloatingIP: { status: 409 },
  MeteringLabelRuleOverlaps: { status: 409 },
  // QoS (docs/qos.md), as neutron-lib's qos exceptions.
  NotAuthorized: { status: 403 },
  QosPolicyNotFound: { status: 404 },
  QosRuleNotFound: { status: 404 },
  QosRuleTypeNotFound: { status: 404 },
  PolicyRemoveAuthorizationError: { status: 403 },
  QoSPolicyDefaultAlreadyExists: { status: 409 },
  QosPolicyInUse: { status: 409 },
  QoSRuleParameterConflict: { status: 409 },
  QoSRulesConflict: { status: 409 },
  // Trunks (docs/trunks.md), as Neutron's trunk plugin's exceptions (neutron/services/trunk/exceptions.py).
  TrunkNotFound: { status: 404 },
  SubPortNotFound: { status: 404 },
  TrunkPortInUse: { status: 409 },
  DuplicateSubPort: { status: 409 },
  ParentPortInUse: { status: 409 },
  SubPortMtuGreaterThanTrunkPortMtu: { status: 409 },
  PortInUseAsTrunkParent: { status: 409 },
  PortInUseAsSubPort: { status: 409 },
  TrunkInUse: { status: 409 },
  TrunkDisabled: { status: 409 },
  TrunkInErrorState: { status: 409 },
  // DHCP agents bound by hand (neutron-lib's exceptions/dhcpagentscheduler.py).
  InvalidDHCPAgent: { status: 404 },
  NetworkHostedByDHCPAgent: { status: 409 },
  NetworkNotHostedByDhcpAgent: { status: 409 },
  // Network segment ranges, as neutron-lib's exceptions/network_segment_range.py.
  NetworkSegmentRangeNotFound: { status: 404 },
  NetworkSegmentRangeNetTypeNotSupported: { status: 400 },
  NetworkSegmentRangeDefaultReadOnly: { status: 400 },
  NetworkSegmentRangeReferencedByProject: { status: 409 },
  NetworkSegmentRangeOverlaps: { status: 409 },
  // 412 — a conditional request lost its race.
  RevisionNumberConstraintFailed: { status: 412 },
  // 408, 413, 414, 431 — the request broke one of the server's limits (docs/config.md) while it was read.
  HTTPRequestTimeout: { status: 408 },
  HTTPRequestEntityTooLarge: { status: 413 },
  HTTPRequestURITooLong: { status: 414 },
  HTTPRequestHeaderFieldsTooLarge: { status: 431 },
  // 503 — a pool is exhausted.
  NoNetworkAvailable: { status: 503 },
  MacAddressGenerationFailure: { status: 503 },
  // Neutron's ServiceUnavailable: a router asked for a disabled flavor.
  FlavorDisabled: { status: 503 },
  // 503 — the store's database cannot be reached or cannot take writes now; Retry-After says when to try again.
  ServiceUnavailable: { status: 503 },
  // 502 / 503 — a host's agent, asked through the server (explain, trace), failed or is away.
  AgentQueryFailed: { status: 502 },
  AgentUnavailable: { status: 503 },
  // 501 — the operation does not exist (Neutron 21's answer to an empty update of a metering label).
  NotImplementedError: { status: 501 },
  // 500 — ours. The message a client sees is generic; the cause goes to the log.
  InternalError: { status: 500 },
  // Internal codes: they describe failures inside Quark processes (a host command, a bad config
  // file, the database). The server turns them into InternalError before they reach a client.
  HostCommandFailed: { status: 500, internal: true },
  InvalidConfig: { status: 500, internal: true },
  StoreFailure: { status: 500, internal: true },
  ScenarioInvalid: { status: 500, internal: true },
  FeedMalformed: { status: 500, internal: true },
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class QuarkError extends Error {
  override readonly name = 'QuarkError';
  readonly code: ErrorCode;
  /** Extra text for operators. For internal codes it may hold argv, exit status and stderr. */
  readonly detail: string;

  constructor(code: ErrorCode, message: string, options: { detail?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options.detail ?? '';
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get internal(): boolean {
    return 'internal' in ERROR_CODES[this.code];
  }
}

export function isQuarkError(e: unknown): e is QuarkError {
  return e instanceof QuarkError;
}

/** Neutron's wording for a field that failed validation: "Invalid input for cidr. Reason: …". */
export function invalidField(field: string, reason: string): QuarkError {
  return new QuarkError('HTTPBadRequest', `Invalid input for ${field}. Reason: ${reason}.`);
}

/**
 * Neutron's generic BadRequest, which names the resource: "Bad router request: Subnet for router
 * interface must have a gateway IP."
 */
export function badRequest(resource: string, reason: string): QuarkError {
  return new QuarkError('BadRequest', `Bad ${resource} request: ${reason}.`);
}

/** Neutron's wording for a rule broken by an operation: "Invalid input for operation: …". */
export function invalidInput(reason: string): QuarkError {
  return new QuarkError('InvalidInput', `Invalid input for operation: ${reason}.`);
}
