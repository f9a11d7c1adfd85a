import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../pki/atomic-file.js';
import { CertificateAuthority } from '../../pki/certificate-authority.js';

/** Where the embedded server keeps its PKI inside the data directory. */
export interface ServingPkiPaths {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
}

export interface ServingPki {
  paths: ServingPkiPaths;
  caPem: string;
  servingCertPem: string;
  servingKeyPem: string;
  adminCertPem: string;
  adminKeyPem: string;
}

export function servingPkiPaths(dataDir: string): ServingPkiPaths {
  const dir = path.join(dataDir, 'pki');
  return {
    dir,
    caCert: path.join(dir, 'ca.crt'),
    caKey: path.join(dir, 'ca.key'),
    servingCert: path.join(dir, 'apiserver.crt'),
    servingKey: path.join(dir, 'apiserver.key'),
    adminCert: path.join(dir, 'admin.crt'),
    adminKey: path.join(dir, 'admin.key'),
  };
}

/**
 * The management plane's own PKI: a CA, a serving certificate (SANs for the host it listens on, localhost
 * and 127.0.0.1) and an admin client certificate (`kubernetes-admin`, group `system:masters`). Generated on
 * first start with owner-only permissions, reused afterwards; a serving certificate that lacks the current
 * host is reissued. ECDSA P-256 keeps start-up under a second (RSA key generation alone can take one).
 */
export async function ensureServingPki(dataDir: string, host: string): Promise<ServingPki> {
  const paths = servingPkiPaths(dataDir);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  let ca: CertificateAuthority;
  if (existsSync(paths.caCert) && existsSync(paths.caKey)) {
    ca = CertificateAuthority.fromPem({
      certificatePem: await readFile(paths.caCert, 'utf8'),
      privateKeyPem: await readFile(paths.caKey, 'utf8'),
    });
  } else {
    ca = await CertificateAuthority.create({ commonName: 'capi-ts-ca', keyAlgorithm: 'ECDSA-P256' });
    await writeFileAtomic(paths.caKey, ca.keyPair.privateKeyPem);
    await writeFileAtomic(paths.caCert, ca.certificatePem);
  }

  const wantDns = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'];
  const wantIps = ['127.0.0.1', '::1'];
  const isIp = /^[\d.]+$/.test(host) || host.includes(':');
  if (host && host !== '0.0.0.0' && host !== '::') {
    if (isIp) wantIps.push(host);
    else wantDns.push(host);
  }
  let serving = existsSync(paths.servingCert) ? await readFile(paths.servingCert, 'utf8') : undefined;
  if (!serving || !coversHost(serving, host)) {
    const issued = await ca.issue({
      commonName: 'kube-apiserver',
      dnsNames: wantDns,
      ipAddresses: [...new Set(wantIps)],
      usages: ['server'],
      keyAlgorithm: 'ECDSA-P256',
    });
    await writeFileAtomic(paths.servingKey, issued.privateKeyPem);
    await writeFileAtomic(paths.servingCert, issued.certificatePem);
    serving = issued.certificatePem;
  }
  if (!existsSync(paths.adminCert) || !existsSync(paths.adminKey)) {
    const admin = await ca.issue({
      commonName: 'kubernetes-admin',
      organizations: ['system:masters'],
      usages: ['client'],
      keyAlgorithm: 'ECDSA-P256',
    });
    await writeFileAtomic(paths.adminKey, admin.privateKeyPem);
    await writeFileAtomic(paths.adminCert, admin.certificatePem);
  }
  return {
    paths,
    caPem: ca.certificatePem,
    servingCertPem: serving,
    servingKeyPem: await readFile(paths.servingKey, 'utf8'),
    adminCertPem: await readFile(paths.adminCert, 'utf8'),
    adminKeyPem: await readFile(paths.adminKey, 'utf8'),
  };
}

function coversHost(certPem: string, host: string): boolean {
  if (!host || host === '0.0.0.0' || host === '::') return true;
  const cert = new X509Certificate(certPem);
  return cert.checkHost(host) !== undefined || cert.checkIP(host) !== undefined;
}
