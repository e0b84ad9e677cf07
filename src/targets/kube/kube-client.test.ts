import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandError, InfrastructureError } from '../../errors.ts';
import { FakeKubeApi, type KubeObject as FakeObject } from '../../../test/fixtures/kube/fake-kube-api.ts';
import { KubeApiError, KubeRest } from './kube-rest.ts';
import { waitFor, waitForObject } from './kube-watch.ts';
import { execInPod } from './pod-exec.ts';
import { PortForwardProxy } from './port-forward-proxy.ts';
import { RESOURCES, type KubeObject } from './resources.ts';

let fake: FakeKubeApi;
let kube: KubeRest;

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  kube = new KubeRest(fake.kubeConfig());
});

afterEach(async () => {
  await fake.close();
});

const secret = (name: string, labels: Record<string, string> = {}): FakeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns1', labels },
});

describe('REST calls through client-node authentication (against the fake API)', () => {
  it('applies server-side with pgdrill as field manager, forcing conflicts, and dry-runs on request', async () => {
    await kube.apply(RESOURCES.secret, secret('s1'), { dryRun: true });
    expect(fake.get('v1', 'Secret', 's1', 'ns1')).toBeUndefined();
    await kube.apply(RESOURCES.secret, secret('s1'));
    expect(fake.get('v1', 'Secret', 's1', 'ns1')).toBeDefined();
    const [dry, real] = fake.calls('PATCH');
    expect(dry).toMatchObject({ path: '/api/v1/namespaces/ns1/secrets/s1', query: { fieldManager: 'pgdrill', force: 'true', dryRun: 'All' }, contentType: 'application/apply-patch+yaml' });
    expect(real?.query).toEqual({ fieldManager: 'pgdrill', force: 'true', fieldValidation: 'Strict' });
  });

  // The API server's default field validation is Warn: a misspelt field is dropped and the write succeeds
  // (Kubernetes API concepts, "Field validation"; kubectl sends Strict by default). A dry run that is not
  // strict would pass a manifest the operator then never sees as written.
  it('asks for strict field validation on dry runs and writes, so a misspelt field is refused, not dropped', async () => {
    await kube.apply(RESOURCES.secret, secret('s1'), { dryRun: true });
    await kube.mergePatch(RESOURCES.secret, 's1', 'ns1', { metadata: { labels: { a: 'b' } } }, { dryRun: true }).catch(() => undefined);
    for (const call of fake.calls('PATCH')) expect(call.query).toMatchObject({ dryRun: 'All', fieldValidation: 'Strict' });
  });

  it('sends the kubeconfig credentials', async () => {
    await kube.find(RESOURCES.secret, 'nope', 'ns1');
    expect(fake.requests).toHaveLength(1);
  });

  it('reports an API error with its status, reason and message', async () => {
    fake.failWith = (r) => (r.method === 'PATCH' ? [422, 'Invalid', 'spec.instances: Invalid value: 0'] : undefined);
    const error = await kube.apply(RESOURCES.secret, secret('s2')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeApiError);
    expect((error as KubeApiError).message).toMatch(/422 Invalid: spec\.instances/);
    expect((error as KubeApiError).exitCode).toBe(3);
  });

  it('treats deleting what is already gone as done', async () => {
    expect(await kube.delete(RESOURCES.pod, 'gone', 'ns1')).toBe(false);
  });
});

describe('waits use list + watch, not polling', () => {
  it('returns when a watch event satisfies the condition', async () => {
    fake.put(secret('s1', { phase: 'pending' }));
    setTimeout(() => fake.put(secret('s1', { phase: 'done' })), 50);
    const found = await waitForObject<KubeObject>(kube, RESOURCES.secret, 's1', 'ns1', (o) => (o?.metadata.labels?.phase === 'done' ? undefined : 'not done'), {
      timeoutMs: 5_000,
      description: 'secret done',
    });
    expect(found.metadata.labels?.phase).toBe('done');
    const gets = fake.calls('GET', /\/secrets$/);
    // One list, then one watch from its resource version: no second list.
    expect(gets).toHaveLength(2);
    expect(gets[1]?.query).toMatchObject({ watch: 'true', fieldSelector: 'metadata.name=s1', resourceVersion: expect.any(String) });
  });

  it('returns at once when the listed state already satisfies the condition', async () => {
    fake.put(secret('s1'));
    await waitFor(kube, { resource: RESOURCES.secret, namespace: 'ns1' }, (items) => (items.length === 1 ? undefined : 'none'), { timeoutMs: 1_000, description: 'one secret' });
    expect(fake.calls('GET', /\/secrets$/).filter((r) => r.query.watch)).toHaveLength(0);
  });

  it('fails after its bound, saying what it waited for and the last reason', async () => {
    const problems: string[] = [];
    const error = await waitFor(kube, { resource: RESOURCES.secret, namespace: 'ns1' }, () => 'still no secret', {
      timeoutMs: 300,
      description: 'a secret to appear',
      onProblem: (p) => problems.push(p),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as Error).message).toBe('a secret to appear: not reached within 0s (still no secret)');
    expect(problems).toEqual(['still no secret']);
  });
});

describe('exec in a pod (the API WebSocket channels)', () => {
  it('returns stdout and exit code 0, sending the command and container', async () => {
    fake.execHandler = ({ command }) => ({ code: 0, stdout: `ran ${command.join(' ')}` });
    const result = await execInPod(fake.kubeConfig(), { namespace: 'ns1', pod: 'pg-1', container: 'postgres' }, ['sh', '-c', 'echo hi']);
    expect(result).toEqual({ stdout: 'ran sh -c echo hi', stderr: '', code: 0 });
    const [ws] = fake.calls('WS');
    expect(ws?.path).toBe('/api/v1/namespaces/ns1/pods/pg-1/exec');
    expect(ws?.query).toMatchObject({ container: 'postgres', command: ['sh', '-c', 'echo hi'], stdout: 'true', stderr: 'true' });
  });

  it('throws a CommandError with the exit code and output on failure', async () => {
    fake.execHandler = () => ({ code: 2, stderr: 'kill: permission denied' });
    const error = await execInPod(fake.kubeConfig(), { namespace: 'ns1', pod: 'pg-1', container: 'postgres' }, ['kill', '1']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect(error).toMatchObject({ code: 2, stderr: 'kill: permission denied' });
  });
});

describe('port-forward proxy', () => {
  let echo: net.Server;
  let echoPort: number;

  beforeEach(async () => {
    echo = net.createServer((s) => s.on('data', (d) => s.write(`echo:${d.toString()}`)));
    echoPort = await new Promise((resolve) => echo.listen(0, '127.0.0.1', () => resolve((echo.address() as net.AddressInfo).port)));
  });

  afterEach(async () => {
    await new Promise((r) => echo.close(r));
  });

  const roundTrip = (port: number, text: string): Promise<string> =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(text));
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        s.end();
      });
      s.on('close', () => resolve(got));
      s.on('error', () => resolve(got));
    });

  it('tunnels each connection to the pod the resolver names', async () => {
    fake.portForwardHandler = ({ port }) => (port === 5432 ? { port: echoPort } : 'refuse');
    const proxy = await PortForwardProxy.start({ config: fake.kubeConfig(), namespace: 'ns1', port: 5432, resolvePod: async () => 'pg-2', label: 'test' });
    expect(await roundTrip(proxy.port, 'ping')).toBe('echo:ping');
    expect(fake.calls('WS')[0]).toMatchObject({ path: '/api/v1/namespaces/ns1/pods/pg-2/portforward', query: { ports: '5432' } });
    await proxy.close();
  });

  it('follows the resolver: a later connection reaches the new pod', async () => {
    fake.portForwardHandler = () => ({ port: echoPort });
    let pod = 'pg-1';
    const proxy = await PortForwardProxy.start({ config: fake.kubeConfig(), namespace: 'ns1', port: 5432, resolvePod: async () => pod, label: 'rw' });
    await roundTrip(proxy.port, 'a');
    pod = 'pg-3';
    await roundTrip(proxy.port, 'b');
    expect(fake.calls('WS').map((c) => c.path)).toEqual(['/api/v1/namespaces/ns1/pods/pg-1/portforward', '/api/v1/namespaces/ns1/pods/pg-3/portforward']);
    await proxy.close();
  });

  it('refuses a connection when no pod serves (no ready endpoint), and when the kubelet cannot dial', async () => {
    const none = await PortForwardProxy.start({ config: fake.kubeConfig(), namespace: 'ns1', port: 5432, resolvePod: async () => null, label: 'none' });
    expect(await roundTrip(none.port, 'x')).toBe('');
    fake.portForwardHandler = () => 'refuse';
    const refused = await PortForwardProxy.start({ config: fake.kubeConfig(), namespace: 'ns1', port: 5432, resolvePod: async () => 'pg-1', label: 'refused' });
    expect(await roundTrip(refused.port, 'x')).toBe('');
    await none.close();
    await refused.close();
  });
});
