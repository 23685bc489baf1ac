/**
 * Password hashing with scrypt from node:crypto. A hash is self-describing
 * (`scrypt$N$r$p$salt$key`, base64), so the cost can rise later without breaking old hashes.
 * Verification compares in constant time and costs the same whether or not a user exists.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';

/** scrypt's cost: N = 2^14, r = 8, p = 1 (16 MiB, tens of milliseconds per hash). */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: MAX_MEMORY }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

// Checked against when the user does not exist or has no password, so that the answer takes
// as long as for a real user and says nothing about which users exist.
const DECOY = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64')}$${Buffer.alloc(KEY_LENGTH).toString('base64')}`;

/** True when `password` matches `hash`; false for a null or malformed hash (after the same work). */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  const parts = (hash ?? DECOY).split('$');
  const usable = hash !== null && parts.length === 6 && parts[0] === 'scrypt';
  const [, n, r, p, salt, key] = usable ? parts : DECOY.split('$');
  const expected = Buffer.from(key!, 'base64');
  const actual = await scrypt(password, Buffer.from(salt!, 'base64'), Number(n), Number(r), Number(p));
  return usable && actual.length === expected.length && timingSafeEqual(actual, expected);
}
