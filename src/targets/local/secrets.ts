import { randomBytes } from 'node:crypto';

/** Per-run passwords (scram-sha-256 on the server). Kept in memory and in the run's 0600 files only. */
export interface StackSecrets {
  superuser: string;
  replication: string;
  rewind: string;
  app: string;
}

export const APP_USER = 'pgdrill';
export const APP_DATABASE = 'pgdrill';

export function newSecrets(): StackSecrets {
  const password = (): string => randomBytes(18).toString('base64url');
  return { superuser: password(), replication: password(), rewind: password(), app: password() };
}

/** Every secret value, for scanning outputs and for redacting error messages. */
export function secretValues(secrets: StackSecrets): string[] {
  return Object.values(secrets);
}
