import { createRequire } from 'node:module';
import * as k8s from '@kubernetes/client-node';
import { Ajv, type ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { InfrastructureError } from '../../errors.ts';
import type { KubeObject } from './resources.ts';

/**
 * Offline validation of every manifest pgdrill renders, before the
 * server-side dry run and the apply:
 * - CloudNativePG and barman-cloud resources against the CRD schemas of
 *   the pinned releases (./schemas/), with ajv;
 * - core resources with kubernetes-models (types, required fields, enums)
 *   and against client-node's model of the 1.33 API for unknown fields.
 * Objects are closed wherever the API keeps only known fields: the API
 * server drops a misspelt field silently, so only a closed check catches it.
 */

type JsonSchema = Record<string, unknown>;

const require = createRequire(import.meta.url);
const CRD_SCHEMAS: Record<string, string> = {
  'postgresql.cnpg.io/v1/Cluster': './schemas/postgresql.cnpg.io_v1_Cluster.json',
  'postgresql.cnpg.io/v1/Backup': './schemas/postgresql.cnpg.io_v1_Backup.json',
  'barmancloud.cnpg.io/v1/ObjectStore': './schemas/barmancloud.cnpg.io_v1_ObjectStore.json',
};

interface CoreModel {
  validate(): void;
}
const CORE_MODELS: Record<string, { model: new (data: never) => CoreModel; clientModel: string }> = {
  'v1/Namespace': { model: Namespace as never, clientModel: 'V1Namespace' },
  'v1/Secret': { model: Secret as never, clientModel: 'V1Secret' },
  'v1/Service': { model: Service as never, clientModel: 'V1Service' },
  'apps/v1/Deployment': { model: Deployment as never, clientModel: 'V1Deployment' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy as never, clientModel: 'V1NetworkPolicy' },
  'discovery.k8s.io/v1/EndpointSlice': { model: EndpointSlice as never, clientModel: 'V1EndpointSlice' },
};

export class ManifestInvalidError extends InfrastructureError {
  constructor(
    readonly object: string,
    readonly problems: string[],
  ) {
    super(`${object} is not valid: ${problems.slice(0, 5).join('; ')}`, { object, problems });
  }
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

/** The kinds this module can validate (a rendered kind outside this list is a bug: tests assert on it). */
export const VALIDATED_KINDS: readonly string[] = [...Object.keys(CRD_SCHEMAS), ...Object.keys(CORE_MODELS)];

/** Problems with a rendered object, as `path: message` lines; empty when it is valid. */
export function manifestProblems(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  const problems: string[] = [];
  const metadataProblems = unknownFields(object.metadata, 'V1ObjectMeta', 'metadata');
  if (!object.metadata?.name) problems.push('metadata.name: required');
  problems.push(...metadataProblems);
  if (CRD_SCHEMAS[key]) {
    const validate = crdValidator(key);
    const { metadata: _metadata, ...rest } = object;
    if (!validate({ ...rest, metadata: {} })) {
      for (const e of validate.errors ?? []) {
        const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
        problems.push(`${e.instancePath || '/'}: ${e.message ?? e.keyword}${extra}`);
      }
    }
    return problems;
  }
  const core = CORE_MODELS[key];
  if (!core) return [...problems, `${key}: no schema known for this kind`];
  try {
    new core.model(object as never).validate();
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  const { apiVersion: _a, kind: _k, metadata: _m, ...body } = object as KubeObject & Record<string, unknown>;
  problems.push(...unknownFields(body, core.clientModel, ''));
  return problems;
}

/** Throws ManifestInvalidError when the object is not valid. */
export function assertManifestValid(object: KubeObject): void {
  const problems = manifestProblems(object);
  if (problems.length > 0) throw new ManifestInvalidError(`${object.kind} ${object.metadata?.name ?? '(unnamed)'}`, problems);
}

function crdValidator(key: string): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    const schema = require(CRD_SCHEMAS[key]!) as JsonSchema;
    validate = ajv.compile(closeObjects(structuredClone(schema)));
    compiled.set(key, validate);
  }
  return validate;
}

/**
 * Marks every object schema that lists its properties as closed, unless it
 * preserves unknown fields or already says what extra properties may be.
 */
export function closeObjects(schema: JsonSchema): JsonSchema {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as JsonSchema;
    if (
      n.properties &&
      n.additionalProperties === undefined &&
      n['x-kubernetes-preserve-unknown-fields'] !== true
    ) {
      n.additionalProperties = false;
    }
    for (const value of Object.values(n)) visit(value);
  };
  visit(schema);
  return schema;
}

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
}

/**
 * Fields of `value` that client-node's model of the API does not know,
 * walking nested models, arrays and maps. Free-form types (`any`,
 * `IntOrString`, quantities) stop the walk.
 */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const arrayOf = /^Array<(.+)>$/.exec(type);
  if (arrayOf) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) => unknownFields(item, arrayOf[1]!, `${path}[${i}]`));
  }
  const mapOf = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (mapOf) {
    if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected a map`];
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => unknownFields(v, mapOf[1]!, `${path}.${k}`));
  }
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeType[] } | undefined>)[type];
  const attributes = model?.getAttributeTypeMap?.();
  if (!attributes) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path || '/'}: expected an object`];
  const problems: string[] = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const attribute = attributes.find((a) => a.baseName === key);
    const where = path ? `${path}.${key}` : key;
    if (!attribute) problems.push(`${where}: unknown field`);
    else problems.push(...unknownFields(child, attribute.type, where));
  }
  return problems;
}
