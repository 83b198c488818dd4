import { randomBytes } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import { KubeconfigCipher } from './KubeconfigCipher';

const KUBECONFIG = 'users: [{ name: u, user: { token: very-secret-token } }]';

function cipherWith(key: Buffer) {
  return KubeconfigCipher.fromConfig(
    new ConfigReader({
      flux: { clusterRegistration: { encryptionKey: key.toString('base64') } },
    }),
  )!;
}

describe('KubeconfigCipher', () => {
  const key = randomBytes(32);

  it('encrypts with a fresh nonce each time and decrypts under the same name', () => {
    const cipher = cipherWith(key);
    const first = cipher.encrypt('staging', KUBECONFIG);
    const second = cipher.encrypt('staging', KUBECONFIG);
    expect(first.iv).not.toBe(second.iv);
    expect(first.ciphertext).not.toBe(second.ciphertext);
    for (const sealed of [first, second]) {
      const stored = JSON.stringify(sealed);
      expect(stored).not.toContain('very-secret-token');
      expect(stored).not.toContain(
        Buffer.from('very-secret-token').toString('base64'),
      );
      expect(cipher.decrypt('staging', sealed)).toBe(KUBECONFIG);
    }
  });

  it('refuses a kubeconfig moved to another cluster name, altered or under another key', () => {
    const sealed = cipherWith(key).encrypt('staging', KUBECONFIG);
    expect(() => cipherWith(key).decrypt('prod', sealed)).toThrow(
      /Cannot decrypt the kubeconfig of registered cluster "prod".*flux\.clusterRegistration\.encryptionKey/,
    );
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] ^= 1;
    expect(() =>
      cipherWith(key).decrypt('staging', {
        ...sealed,
        ciphertext: flipped.toString('base64'),
      }),
    ).toThrow(/Cannot decrypt/);
    expect(() =>
      cipherWith(randomBytes(32)).decrypt('staging', sealed),
    ).toThrow(/Cannot decrypt/);
  });

  it('is disabled without a key and rejects keys that are not 32 bytes of base64', () => {
    expect(KubeconfigCipher.fromConfig(new ConfigReader({}))).toBeUndefined();
    for (const encryptionKey of [
      randomBytes(16).toString('base64'),
      'correct horse battery staple, but not base64!!',
      `${randomBytes(32).toString('base64')}#`,
    ]) {
      expect(() =>
        KubeconfigCipher.fromConfig(
          new ConfigReader({
            flux: { clusterRegistration: { encryptionKey } },
          }),
        ),
      ).toThrow(
        'flux.clusterRegistration.encryptionKey must be 32 random bytes in base64 (generate one with `openssl rand -base64 32`)',
      );
    }
  });
});
