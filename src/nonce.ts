import { randomBytes } from 'node:crypto';

/**
 * A CSP nonce: 128 random bits from the OS generator (not Math.random, which is predictable),
 * base64url so it is valid in a CSP source expression and an HTML attribute without escaping.
 */
export function makeNonce(): string {
  return randomBytes(16).toString('base64url');
}
