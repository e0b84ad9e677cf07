import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { InfrastructureError } from '../../errors.ts';

export interface S3Location {
  /** http(s)://host:port of the S3 API (path-style requests). */
  endpoint: string;
  bucket: string;
  /** Key prefix, without a leading slash. */
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
}

/** Splits s3://bucket/some/prefix/ into bucket and prefix. */
export function parseS3Path(destinationPath: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(destinationPath);
  if (!m) throw new InfrastructureError(`${destinationPath} is not an s3:// path`);
  const prefix = m[2] ?? '';
  return { bucket: m[1]!, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
}

/**
 * Every key under the prefix, with ListObjectsV2 signed with AWS
 * Signature Version 4 (the archive-continuity check reads the WAL names
 * barman-cloud wrote). No SDK: one signed GET per page.
 */
export async function listKeys(location: S3Location, timeoutMs = 30_000): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const query: Record<string, string> = { 'list-type': '2', prefix: location.prefix, ...(token ? { 'continuation-token': token } : {}) };
    const body = await signedGet(location, `/${location.bucket}`, query, timeoutMs);
    keys.push(...[...body.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => xmlText(m[1]!)));
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(body);
    token = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(body)?.[1];
    if (!truncated || !token) return keys;
    token = xmlText(token);
  }
  throw new InfrastructureError(`listing s3://${location.bucket}/${location.prefix} did not end after 1000 pages`);
}

/** WAL file names (and history files) barman-cloud archived for one server, without compression suffixes. */
export function walNames(keys: readonly string[], prefix: string, serverName: string): string[] {
  const walsPrefix = `${prefix}${serverName}/wals/`;
  return keys
    .filter((k) => k.startsWith(walsPrefix))
    .map((k) => k.slice(k.lastIndexOf('/') + 1).replace(/\.(gz|bz2|xz|lz4|snappy|zst)$/, ''))
    .filter((name) => name.length > 0)
    .sort();
}

export interface SigningInput {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  /** YYYYMMDDTHHMMSSZ */
  amzDate: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** AWS Signature Version 4 of a request without a body: the Authorization header and the headers it signs. */
export function signRequest(input: SigningInput): { authorization: string; headers: Record<string, string>; canonicalQuery: string } {
  const day = input.amzDate.slice(0, 8);
  const payloadHash = sha256Hex('');
  const canonicalQuery = Object.keys(input.query)
    .sort()
    .map((k) => `${rfc3986(k)}=${rfc3986(input.query[k]!)}`)
    .join('&');
  const headers: Record<string, string> = { host: input.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': input.amzDate };
  const signedHeaders = Object.keys(headers).sort().join(';');
  const canonicalHeaders = Object.keys(headers)
    .sort()
    .map((k) => `${k}:${headers[k]}\n`)
    .join('');
  const canonicalRequest = [input.method, input.path.split('/').map(rfc3986).join('/'), canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${day}/${input.region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = hmac(`AWS4${input.secretAccessKey}`, day);
  for (const part of [input.region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return {
    authorization: `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    headers,
    canonicalQuery,
  };
}

async function signedGet(location: S3Location, path: string, query: Record<string, string>, timeoutMs: number): Promise<string> {
  const url = new URL(location.endpoint);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const { authorization, headers, canonicalQuery } = signRequest({
    method: 'GET',
    host: url.host,
    path,
    query,
    amzDate,
    region: location.region ?? 'us-east-1',
    accessKeyId: location.accessKeyId,
    secretAccessKey: location.secretAccessKey,
  });
  const target = new URL(`${url.origin}${path}?${canonicalQuery}`);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(target, { method: 'GET', headers: { ...headers, authorization } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((response.statusCode ?? 0) >= 300) {
          const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP ${response.statusCode}`;
          // No bucket yet: nothing was archived.
          if (code === 'NoSuchBucket') return resolve('<ListBucketResult></ListBucketResult>');
          return reject(new InfrastructureError(`listing the object store failed: ${code}`));
        }
        resolve(text);
      });
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`the object store did not answer within ${timeoutMs} ms`)));
    request.on('error', (e) => reject(new InfrastructureError(`listing the object store failed: ${e.message}`)));
    request.end();
  });
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** AWS's URI encoding: RFC 3986 unreserved characters stay, everything else is %XX. */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function xmlText(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
