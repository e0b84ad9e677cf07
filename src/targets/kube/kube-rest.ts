import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { InfrastructureError } from '../../errors.ts';
import { RESOURCES, resourcePath, type KubeList, type KubeObject, type ResourceRef } from './resources.ts';

export const FIELD_MANAGER = 'pgdrill';

/** The API server answered with an error status; keeps its reason and message. */
export class KubeApiError extends InfrastructureError {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly apiMessage: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}: ${apiMessage}`, { status, reason, path });
  }
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 404;
}

export function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409;
}

export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** What the answer may be (default application/json; logs are text). */
  accept?: string;
  timeoutMs?: number;
}

export interface WriteOptions {
  /** Server-side dry run (`dryRun=All`): admission and validation run, nothing is stored. */
  dryRun?: boolean;
}

/**
 * Query parameters of every write: a dry run when asked, and strict field
 * validation, so an unknown or duplicated field is refused instead of being
 * dropped with a warning (the API server's default is Warn; kubectl sends
 * Strict, see kubectl's --validate flag and the API concepts page, "Field
 * validation").
 */
function writeQuery(options: WriteOptions): Record<string, string> {
  return { fieldValidation: 'Strict', ...(options.dryRun ? { dryRun: 'All' } : {}) };
}

/**
 * A small REST client over a KubeConfig (client-node does the
 * authentication: certificates, tokens, exec plugins). pgdrill's calls are
 * few and plain, so each maps to one visible HTTP request: the fake API in
 * the tests checks exactly these.
 */
export class KubeRest {
  constructor(readonly config: KubeConfig) {}

  async request<T>(req: KubeRequest): Promise<T> {
    const { status, text } = await this.send(req);
    const parsed = text.length > 0 ? safeJson(text) : undefined;
    if (status >= 400) {
      const s = (parsed ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(status, s.reason ?? 'Error', s.message ?? text.slice(0, 300), req.method, req.path);
    }
    return parsed as T;
  }

  /**
   * A container's log (GET pods/<pod>/log), as text: the last `tailLines`
   * lines. Throws KubeApiError like every request (404: no such pod).
   */
  async podLog(namespace: string, pod: string, options: { container: string; tailLines?: number }): Promise<string> {
    const path = `${resourcePath(RESOURCES.pod, namespace, pod)}/log`;
    const req: KubeRequest = { method: 'GET', path, query: { container: options.container, tailLines: options.tailLines }, accept: 'text/plain, */*' };
    const { status, text } = await this.send(req);
    if (status >= 400) {
      const s = safeJson(text) as { reason?: string; message?: string };
      throw new KubeApiError(status, s.reason ?? 'Error', s.message ?? text.slice(0, 300), req.method, req.path);
    }
    return text;
  }

  private async send(req: KubeRequest): Promise<{ status: number; text: string }> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new InfrastructureError('the kube config has no current cluster');
    const url = new URL(cluster.server.replace(/\/$/, '') + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const options: https.RequestOptions = {
      method: req.method,
      headers: {
        Accept: req.accept ?? 'application/json',
        ...(body ? { 'Content-Type': req.contentType ?? 'application/json', 'Content-Length': body.length } : {}),
      },
    };
    await this.config.applyToHTTPSOptions(options);
    const transport = url.protocol === 'http:' ? http : https;
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = transport.request(url, options, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      request.setTimeout(req.timeoutMs ?? 30_000, () => request.destroy(new Error(`no answer within ${req.timeoutMs ?? 30_000} ms`)));
      request.on('error', (e) => reject(new InfrastructureError(`${req.method} ${req.path} failed: ${e.message}`, { path: req.path }, e)));
      if (body) request.write(body);
      request.end();
    });
  }

  get<T extends KubeObject>(r: ResourceRef, name: string, namespace?: string): Promise<T> {
    return this.request<T>({ method: 'GET', path: resourcePath(r, namespace, name) });
  }

  /** The object, or null when it does not exist. */
  async find<T extends KubeObject>(r: ResourceRef, name: string, namespace?: string): Promise<T | null> {
    try {
      return await this.get<T>(r, name, namespace);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  list<T extends KubeObject>(r: ResourceRef, namespace?: string, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<KubeList<T>> {
    return this.request<KubeList<T>>({ method: 'GET', path: resourcePath(r, namespace), query: selectors });
  }

  /**
   * Server-side apply (the object is the whole intent of pgdrill's field
   * manager; conflicts with other managers are forced, as `kubectl apply
   * --server-side --force-conflicts` does).
   */
  apply<T extends KubeObject>(r: ResourceRef, object: KubeObject, options: WriteOptions = {}): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(r, object.metadata.namespace, object.metadata.name),
      query: { fieldManager: FIELD_MANAGER, force: true, ...writeQuery(options) },
      body: object,
      contentType: 'application/apply-patch+yaml',
    });
  }

  /** JSON merge patch, of the object or of a subresource (status). */
  mergePatch<T extends KubeObject>(
    r: ResourceRef,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    options: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<T> {
    return this.request<T>({
      method: 'PATCH',
      path: resourcePath(r, namespace, name, options.subresource),
      query: { fieldManager: FIELD_MANAGER, ...writeQuery(options) },
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  /** Deletes one object; an object already gone is not an error. Returns whether it existed. */
  async delete(
    r: ResourceRef,
    name: string,
    namespace?: string,
    options: { gracePeriodSeconds?: number; propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'; preconditions?: { uid?: string } } = {},
  ): Promise<boolean> {
    try {
      await this.request({
        method: 'DELETE',
        path: resourcePath(r, namespace, name),
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(options.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: options.gracePeriodSeconds } : {}),
          propagationPolicy: options.propagationPolicy ?? 'Background',
          ...(options.preconditions ? { preconditions: options.preconditions } : {}),
        },
      });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.slice(0, 300) };
  }
}
