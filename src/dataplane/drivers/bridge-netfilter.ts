/**
 * br_netfilter: frames crossing a Linux bridge (the hybrid plug's qbr) go through iptables only
 * while these sysctls are 1. They are per network namespace on current kernels, and exist only
 * once the br_netfilter module is loaded.
 *
 *   sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1
 */
import { inNetns, run } from './exec.js';

const KEYS = ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'];

/** Turns bridge netfilter on; 'unavailable' when the kernel has no br_netfilter here. */
export async function ensureBridgeNetfilter(netns: string | null): Promise<'on' | 'turned-on' | 'unavailable'> {
  let current: string[];
  try {
    current = (await run(inNetns(netns, ['sysctl', '-n', ...KEYS]))).stdout.trim().split('\n');
  } catch {
    return 'unavailable';
  }
  if (current.every((v) => v.trim() === '1') && current.length === KEYS.length) return 'on';
  await run(inNetns(netns, ['sysctl', '-qw', ...KEYS.map((k) => `${k}=1`)]));
  return 'turned-on';
}
