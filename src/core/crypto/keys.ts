import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys derived from the installation's one secret (SLUICE_SECRET_KEY or the generated data-dir key):
 * separate keys for encrypting secrets at rest and for signing, so no key serves two purposes.
 */
export class Keys {
  private readonly encryptionKey: Buffer;
  private readonly signingKey: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the secret key must be at least 32 characters');
    const ikm = Buffer.from(secret, 'utf8');
    this.encryptionKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.from('sluice'), Buffer.from('secrets-at-rest:v1'), 32));
    this.signingKey = Buffer.from(hkdfSync('sha256', ikm, Buffer.from('sluice'), Buffer.from('signatures:v1'), 32));
  }

  /** AES-256-GCM; the result is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.encryptionKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** HMAC-SHA256 (hex) of a document, for certificates and signed links. */
  sign(data: string): string {
    return createHmac('sha256', this.signingKey).update(data).digest('hex');
  }

  verify(data: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(data), 'hex');
    const given = Buffer.from(signature, 'hex');
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  /** A keyed hash for pseudonymising identifiers (suppression lists, hashed PII): stable, not reversible. */
  pseudonym(value: string, purpose: string): string {
    return createHmac('sha256', this.signingKey).update(`${purpose}\u0000${value}`).digest('hex');
  }
}
