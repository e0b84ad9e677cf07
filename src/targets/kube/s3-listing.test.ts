import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listKeys, parseS3Path, signRequest, walNames } from './s3-listing.ts';

describe('AWS Signature Version 4', () => {
  it('matches the GET Bucket (List Objects) example of the S3 documentation', () => {
    // The example request: GET /?max-keys=2&prefix=J on examplebucket, 24 May 2013, the documentation's example keys.
    const signed = signRequest({
      method: 'GET',
      host: 'examplebucket.s3.amazonaws.com',
      path: '/',
      query: { 'max-keys': '2', prefix: 'J' },
      amzDate: '20130524T000000Z',
      region: 'us-east-1',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    });
    expect(signed.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
    );
  });
});

describe('listing the archive', () => {
  let server: http.Server | undefined;

  afterEach(async () => {
    await new Promise((r) => server?.close(r));
  });

  it('follows continuation tokens and keeps only the WAL names of one server, without compression suffixes', async () => {
    const seen: string[] = [];
    server = http.createServer((req, res) => {
      seen.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://s3');
      const second = url.searchParams.get('continuation-token') === 'page&2';
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(
        second
          ? '<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>drills/run-1/pg/wals/0000000200000000/00000002.history.gz</Key></Contents></ListBucketResult>'
          : '<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>page&amp;2</NextContinuationToken>' +
              '<Contents><Key>drills/run-1/pg/wals/0000000100000000/000000010000000000000004.gz</Key></Contents>' +
              '<Contents><Key>drills/run-1/pg/base/20260301T100000/backup.info</Key></Contents>' +
              '<Contents><Key>drills/run-1/pg-r1/wals/0000000100000000/000000010000000000000009.gz</Key></Contents></ListBucketResult>',
      );
    });
    const port = await new Promise<number>((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port)));
    const { bucket, prefix } = parseS3Path('s3://backups/drills/run-1');
    expect({ bucket, prefix }).toEqual({ bucket: 'backups', prefix: 'drills/run-1/' });
    const keys = await listKeys({ endpoint: `http://127.0.0.1:${port}`, bucket, prefix, accessKeyId: 'ak', secretAccessKey: 'sk' });
    expect(seen).toEqual(['/backups?list-type=2&prefix=drills%2Frun-1%2F', '/backups?continuation-token=page%262&list-type=2&prefix=drills%2Frun-1%2F']);
    expect(walNames(keys, prefix, 'pg')).toEqual(['000000010000000000000004', '00000002.history']);
  });

  it('reads a missing bucket as an empty archive', async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(404, { 'Content-Type': 'application/xml' });
      res.end('<Error><Code>NoSuchBucket</Code></Error>');
    });
    const port = await new Promise<number>((resolve) => server!.listen(0, '127.0.0.1', () => resolve((server!.address() as net.AddressInfo).port)));
    expect(await listKeys({ endpoint: `http://127.0.0.1:${port}`, bucket: 'b', prefix: '', accessKeyId: 'a', secretAccessKey: 's' })).toEqual([]);
  });
});
