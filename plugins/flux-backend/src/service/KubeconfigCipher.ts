import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

export const ENCRYPTION_KEY_CONFIG = 'flux.clusterRegistration.encryptionKey';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
/** 96-bit nonces are what GCM is specified for. */
const IV_BYTES = 12;

/** A kubeconfig as stored: all base64. */
export interface SealedKubeconfig {
  ciphertext: string;
  iv: string;
  tag: string;
}

/**
 * Encrypts registered clusters' kubeconfigs with AES-256-GCM. The cluster
 * name is authenticated with each kubeconfig (additional data), so a
 * stored kubeconfig only decrypts under the name it was saved for: rows
 * cannot be swapped between clusters.
 */
export class KubeconfigCipher {
  readonly #key: Buffer;

  /**
   * The cipher for `flux.clusterRegistration.encryptionKey`, or undefined
   * when that is not set (registration is then disabled).
   */
  static fromConfig(config: Config): KubeconfigCipher | undefined {
    const value = config.getOptionalString(ENCRYPTION_KEY_CONFIG);
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    const key = Buffer.from(trimmed, 'base64');
    // Buffer.from ignores what is not base64, so check it round-trips.
    const canonical = key.toString('base64');
    if (
      key.length !== KEY_BYTES ||
      canonical.replace(/=+$/, '') !== trimmed.replace(/=+$/, '')
    ) {
      throw new InputError(
        `${ENCRYPTION_KEY_CONFIG} must be ${KEY_BYTES} random bytes in ` +
          'base64 (generate one with `openssl rand -base64 32`); the value ' +
          `given is not base64 of ${KEY_BYTES} bytes`,
      );
    }
    return new KubeconfigCipher(key);
  }

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) {
      throw new InputError(`An AES-256 key has ${KEY_BYTES} bytes`);
    }
    this.#key = Buffer.from(key);
  }

  encrypt(clusterName: string, kubeconfig: string): SealedKubeconfig {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv);
    cipher.setAAD(Buffer.from(clusterName, 'utf8'));
    const ciphertext = Buffer.concat([
      cipher.update(kubeconfig, 'utf8'),
      cipher.final(),
    ]);
    return {
      ciphertext: ciphertext.toString('base64'),
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  }

  /** Throws, without detail, when the key, name or data do not match. */
  decrypt(clusterName: string, sealed: SealedKubeconfig): string {
    try {
      const decipher = createDecipheriv(
        ALGORITHM,
        this.#key,
        Buffer.from(sealed.iv, 'base64'),
      );
      decipher.setAAD(Buffer.from(clusterName, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([
        decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        `Cannot decrypt the kubeconfig of registered cluster "${clusterName}": ` +
          `it was stored under another ${ENCRYPTION_KEY_CONFIG} or the ` +
          'stored row was altered; set the key it was stored with, or ' +
          'update the cluster with a new kubeconfig (or remove it)',
      );
    }
  }
}
