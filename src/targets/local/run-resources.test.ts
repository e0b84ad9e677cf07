import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { removeRunResources } from './run-resources.ts';

/** An engine that answers 409 for the network while a removed container's endpoint is still being released. */
function engine(busyAnswers: number) {
  const left = { containers: 1, networks: 1, volumes: 1 };
  let busy = busyAnswers;
  const conflict = () => Object.assign(new Error('network has active endpoints'), { statusCode: 409 });
  const docker = {
    listContainers: async () => (left.containers ? [{ Id: 'c1', State: 'running', Labels: {} }] : []),
    getContainer: () => ({ unpause: async () => undefined, remove: async () => void (left.containers = 0) }),
    listNetworks: async () => (left.networks ? [{ Id: 'n1', Labels: {} }] : []),
    getNetwork: () => ({
      remove: async () => {
        if (busy-- > 0) throw conflict();
        left.networks = 0;
      },
    }),
    listVolumes: async () => ({ Volumes: left.volumes ? [{ Name: 'v1' }] : [] }),
    getVolume: () => ({ remove: async () => void (left.volumes = 0) }),
  };
  return { docker: docker as unknown as Docker, left };
}

describe('removing a run', () => {
  it('waits out a network still busy with a removed container, instead of leaving it behind', async () => {
    const { docker, left } = engine(3);
    expect(await removeRunResources(docker, 'abcd1234')).toEqual({ containers: 1, networks: 1, volumes: 1 });
    expect(left).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });
});

/** Docker 20.10 after a teardown: the network keeps the endpoint of a container that is gone, and refuses with 403 until it is disconnected by force. */
function engineWithStaleEndpoint() {
  const left = { containers: 0, networks: 1, volumes: 1 };
  const endpoints = new Map([['ep-stale', { Name: 'pgdrill-ab-pg-a' }]]);
  const disconnected: unknown[] = [];
  const docker = {
    listContainers: async () => [],
    listNetworks: async () => (left.networks ? [{ Id: 'n1', Labels: {} }] : []),
    getNetwork: () => ({
      inspect: async () => ({ Containers: Object.fromEntries(endpoints) }),
      disconnect: async (options: { Container: string; Force?: boolean }) => {
        disconnected.push(options);
        // The engine drops a stale endpoint only when forced.
        if (options.Force) for (const [id, e] of endpoints) if (e.Name === options.Container) endpoints.delete(id);
      },
      remove: async () => {
        if (endpoints.size > 0) throw Object.assign(new Error('(HTTP code 403) unexpected - error while removing network: network pgdrill-ab has active endpoints'), { statusCode: 403 });
        left.networks = 0;
      },
    }),
    listVolumes: async () => ({ Volumes: left.volumes ? [{ Name: 'v1' }] : [] }),
    getVolume: () => ({ remove: async () => void (left.volumes = 0) }),
  };
  return { docker: docker as unknown as Docker, left, disconnected };
}

describe('removing a run whose network kept a stale endpoint', () => {
  it('disconnects the stale endpoint by force, then removes the network and the volume', async () => {
    const { docker, left, disconnected } = engineWithStaleEndpoint();
    expect(await removeRunResources(docker, 'abcd1234')).toEqual({ containers: 0, networks: 1, volumes: 1 });
    expect(left).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(disconnected).toEqual([{ Container: 'pgdrill-ab-pg-a', Force: true }]);
  });
});
