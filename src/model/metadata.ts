/**
 * The metadata service as Neutron wires it (neutron/agent/metadata/): an instance asks
 * 169.254.169.254:80; in a qrouter namespace an iptables REDIRECT sends the request to the
 * router's proxy on 9697, in a qdhcp namespace (isolated networks) the network's proxy listens
 * on 169.254.169.254:80 itself. The proxy (haproxy) adds which router or network the request
 * came through and hands it to the host's metadata agent over a unix socket; the agent finds the
 * port by source address and network, and forwards to the metadata backend (Nova's metadata
 * API, or Quark's own) with the instance id, its project and an HMAC-SHA256 signature of the
 * instance id with a secret both share.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The metadata address instances ask (Neutron's METADATA_V4_IP). */
export const METADATA_ADDRESS = '169.254.169.254';
/** Where the proxy of a router listens; the redirect's target (Neutron's `metadata_port`). */
export const METADATA_PROXY_PORT = 9697;
/** The mark of requests to the metadata address that came in on a qr- device (Neutron's `metadata_access_mark`). */
export const METADATA_ACCESS_MARK = '0x1/0xffff';

/** Headers the namespace proxy sets (Neutron's names). */
export const ROUTER_ID_HEADER = 'X-Neutron-Router-ID';
export const NETWORK_ID_HEADER = 'X-Neutron-Network-ID';
/** Headers the metadata agent sends the backend (Nova's names). */
export const INSTANCE_ID_HEADER = 'X-Instance-ID';
export const TENANT_ID_HEADER = 'X-Tenant-ID';
export const SIGNATURE_HEADER = 'X-Instance-ID-Signature';

/** hex(HMAC-SHA256(secret, instance id)): Neutron's `sign_instance_id`, which Nova checks. */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId, 'utf8').digest('hex');
}

/** Whether `signature` is the instance id's signature with `secret`, compared in constant time. */
export function instanceSignatureValid(secret: string, instanceId: string, signature: string): boolean {
  const want = Buffer.from(signInstanceId(secret, instanceId), 'utf8');
  const got = Buffer.from(signature, 'utf8');
  return want.length === got.length && timingSafeEqual(want, got);
}
