/**
 * The CoreDNS releases the corefile-migration library (github.com/coredns/corefile-migration, as vendored by
 * upstream Cluster API) can migrate a Corefile between, oldest first. KCP refuses a CoreDNS image tag change it
 * could not migrate, because it rewrites the Corefile during the upgrade. Releases are chained: 1.6.8, 1.8.1,
 * 1.8.2 and 1.11.2 were never published as images, so they are absent.
 */
// prettier-ignore
export const COREDNS_MIGRATION_VERSIONS = [
  '1.1.3', '1.1.4', '1.2.0', '1.2.1', '1.2.2', '1.2.3', '1.2.4', '1.2.5', '1.2.6', '1.3.0', '1.3.1',
  '1.4.0', '1.5.0', '1.5.1', '1.5.2', '1.6.0', '1.6.1', '1.6.2', '1.6.3', '1.6.4', '1.6.5', '1.6.6',
  '1.6.7', '1.6.9', '1.7.0', '1.7.1', '1.8.0', '1.8.3', '1.8.4', '1.8.5', '1.8.6', '1.8.7', '1.9.0',
  '1.9.1', '1.9.2', '1.9.3', '1.9.4', '1.10.0', '1.10.1', '1.11.0', '1.11.1', '1.11.3', '1.11.4',
  '1.12.0', '1.12.1', '1.12.2', '1.12.3', '1.12.4', '1.13.0', '1.13.1', '1.13.2', '1.14.0', '1.14.1',
  '1.14.2',
] as const;

/**
 * `migration.ValidUpMigration(from, to)`: undefined when the Corefile of `from` can be migrated up to `to`,
 * otherwise the library's error text. Both are `MAJOR.MINOR.PATCH` strings.
 */
export function coreDNSUpMigrationError(from: string, to: string): string | undefined {
  const versions: readonly string[] = COREDNS_MIGRATION_VERSIONS;
  const start = versions.indexOf(from);
  if (start === -1) return `start version '${from}' not supported`;
  if (from === to) return undefined;
  if (versions.indexOf(to) > start) return undefined;
  return `cannot migrate up to '${to}' from '${from}'`;
}
