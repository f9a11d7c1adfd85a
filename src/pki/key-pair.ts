import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import {
  DEFAULT_KEY_ALGORITHM,
  type KeyAlgorithm,
  keyAlgorithmOf,
  keyAlgorithmParameters,
} from './key-algorithm.js';
import { parsePemBlocks } from './pem.js';
import { InvalidPemError, UnsupportedKeyError } from './pki-errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * How a private key is written. `pkcs1` (`RSA PRIVATE KEY`) and `sec1` (`EC PRIVATE KEY`) are what kubeadm
 * and Cluster API write; `pkcs8` (`PRIVATE KEY`) is what `openssl genpkey` writes.
 */
export type PrivateKeyPemFormat = 'pkcs1' | 'sec1' | 'pkcs8';

const privateKeyLabels: Record<string, PrivateKeyPemFormat> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'EC PRIVATE KEY': 'sec1',
  'PRIVATE KEY': 'pkcs8',
};

/**
 * An RSA or ECDSA key pair of one of kubeadm's `encryptionAlgorithm`s. Used alone for the service-account
 * signing key (`<cluster>-sa`: `tls.key` = {@link privateKeyPem}, `tls.crt` = {@link publicKeyPem}) and
 * under every certificate.
 */
export class KeyPair {
  readonly algorithm: KeyAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  #privateKeyPem: string | undefined;
  #publicKeyPem: string | undefined;

  /** Wraps an existing private key; throws `UnsupportedKeyError` for anything but the supported algorithms. */
  constructor(privateKey: KeyObject) {
    if (privateKey.type !== 'private') {
      throw new UnsupportedKeyError(`expected a private key, got a ${privateKey.type} key`);
    }
    this.algorithm = keyAlgorithmOf(privateKey);
    this.privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
  }

  /**
   * A fresh key pair. Generation runs on libuv's thread pool, so a slow RSA prime search (RSA-4096: about a
   * second, sometimes several) does not block the event loop.
   */
  static async generate(algorithm: KeyAlgorithm = DEFAULT_KEY_ALGORITHM): Promise<KeyPair> {
    const parameters = keyAlgorithmParameters(algorithm);
    const { privateKey } =
      parameters.type === 'rsa'
        ? await generateKeyPairAsync('rsa', {
            modulusLength: parameters.modulusLength,
            publicExponent: 0x10001,
          })
        : await generateKeyPairAsync('ec', { namedCurve: parameters.namedCurve });
    return new KeyPair(privateKey);
  }

  /**
   * Reads the first private key in `pem`: PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`, also after an
   * `EC PARAMETERS` block as `openssl ecparam -genkey` writes it) or PKCS#8 (`PRIVATE KEY`). Encrypted keys
   * are refused with `UnsupportedKeyError`.
   */
  static fromPrivateKeyPem(pem: string): KeyPair {
    const blocks = parsePemBlocks(pem);
    if (
      blocks.some(
        (b) => b.label === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(b.headers['Proc-Type'] ?? ''),
      )
    ) {
      throw new UnsupportedKeyError('encrypted private keys are not supported');
    }
    const block = blocks.find((b) => b.label in privateKeyLabels);
    if (!block) {
      const found = blocks.map((b) => b.label).join(', ') || 'no PEM block';
      throw new InvalidPemError(
        'private key',
        `expected RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY, found ${found}`,
      );
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: block.der, format: 'der', type: privateKeyLabels[block.label]! });
    } catch (err) {
      throw new InvalidPemError('private key', `${block.label} block does not decode`, { cause: err });
    }
    return new KeyPair(key);
  }

  /** The private key as kubeadm writes it: PKCS#1 for RSA, SEC1 for ECDSA. */
  get privateKeyPem(): string {
    this.#privateKeyPem ??= this.exportPrivateKeyPem(this.algorithm.startsWith('RSA') ? 'pkcs1' : 'sec1');
    return this.#privateKeyPem;
  }

  /** The private key in a chosen form; `pkcs1` only for RSA and `sec1` only for ECDSA keys. */
  exportPrivateKeyPem(format: PrivateKeyPemFormat): string {
    const rsa = this.algorithm.startsWith('RSA');
    if ((format === 'pkcs1' && !rsa) || (format === 'sec1' && rsa)) {
      throw new UnsupportedKeyError(`${this.algorithm} keys cannot be written as ${format}`);
    }
    return this.privateKey.export({ type: format, format: 'pem' }) as string;
  }

  /** The public key as PKIX `PUBLIC KEY` PEM (what kubeadm writes to `sa.pub`). */
  get publicKeyPem(): string {
    this.#publicKeyPem ??= this.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    return this.#publicKeyPem;
  }

  /** The DER SubjectPublicKeyInfo, the form certificates embed. */
  get publicKeyDer(): Buffer {
    return this.publicKey.export({ type: 'spki', format: 'der' });
  }
}
