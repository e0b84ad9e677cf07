import { appliedPatroniTimings, localGeneration, postgresBinDir } from '../generations.ts';
import type { StackSecrets } from '../secrets.ts';
import { DATA_DIR, PATRONI_SCOPE, type StackLayout, type StackMember } from '../stack-layout.ts';
import type { LocalStackOptions } from '../stack-options.ts';

/**
 * Patroni's configuration for one instance. Written as JSON, which Patroni's
 * YAML parser reads as is. archive_command starts empty on purpose: with
 * archive_mode on, PostgreSQL keeps WAL until a command is set, and pgdrill
 * sets it once the pgBackRest stanza exists, so no archive attempt can fail
 * during bring-up.
 */
export function patroniConfig(
  options: LocalStackOptions,
  layout: StackLayout,
  node: StackMember,
  secrets: StackSecrets,
): Record<string, unknown> {
  const { ttl, loopWait, retryTimeout } = appliedPatroniTimings(options.stack, options.patroni);
  return {
    scope: PATRONI_SCOPE,
    namespace: '/pgdrill/',
    name: node.name,
    log: { level: 'INFO' },
    restapi: { listen: '0.0.0.0:8008', connect_address: `${node.ip}:8008` },
    // v2: Patroni updates the leader key with compare-and-swap. v3 (Patroni 3.0.2): a plain put that can take the key back.
    [options.etcdApi === 'v3' ? 'etcd3' : 'etcd']: { hosts: layout.etcd.map((e) => `${e.ip}:2379`) },
    bootstrap: {
      dcs: {
        ttl,
        loop_wait: loopWait,
        retry_timeout: retryTimeout,
        maximum_lag_on_failover: 1048576,
        // quorum (Patroni 4): a commit waits for any synchronous_node_count of the quorum standbys.
        synchronous_mode: options.synchronous === 'quorum' ? 'quorum' : options.synchronous !== 'off',
        synchronous_mode_strict: options.synchronous === 'strict',
        synchronous_node_count: options.syncStandbys,
        failsafe_mode: options.failsafe,
        postgresql: {
          use_pg_rewind: true,
          use_slots: true,
          parameters: {
            wal_level: 'replica',
            hot_standby: 'on',
            wal_log_hints: 'on',
            // always: standbys archive the WAL they receive too (pgBackRest accepts a segment it already holds with the same checksum).
            archive_mode: options.archive,
            archive_command: '',
            // A segment at least every 10 s, so archive health is visible within a drill.
            archive_timeout: 10,
            max_wal_senders: 10,
            max_replication_slots: 10,
            wal_keep_size: '256MB',
            password_encryption: 'scram-sha-256',
            max_connections: 100,
          },
        },
      },
      initdb: [{ encoding: 'UTF8' }, { locale: 'C.UTF-8' }, 'data-checksums'],
    },
    postgresql: {
      listen: '0.0.0.0:5432',
      connect_address: `${node.ip}:5432`,
      data_dir: DATA_DIR,
      bin_dir: postgresBinDir(localGeneration(options.stack)),
      pgpass: '/var/lib/postgresql/.pgpass-patroni',
      use_unix_socket: true,
      authentication: {
        superuser: { username: 'postgres', password: secrets.superuser },
        replication: { username: 'replicator', password: secrets.replication },
        rewind: { username: 'rewinder', password: secrets.rewind },
      },
      parameters: {
        unix_socket_directories: '/var/run/postgresql',
        // The writes table records which instance served each write.
        'pgdrill.instance': node.name,
      },
      pg_hba: [
        'local all all peer',
        'host replication replicator 0.0.0.0/0 scram-sha-256',
        'host all all 0.0.0.0/0 scram-sha-256',
      ],
      basebackup: [{ checkpoint: 'fast' }],
    },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
  };
}

/** The archive_command set through Patroni once the stanza exists. */
export function archiveCommand(stanza: string): string {
  return `pgbackrest --stanza=${stanza} archive-push %p`;
}
