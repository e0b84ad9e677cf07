import { describe, expect, it } from 'vitest';
import { settleProblem } from '../../runner/settle.ts';
import { topologyFromCnpg, type PodView, type TopologyInputs } from './cnpg-topology.ts';
import type { InstanceSample } from './instance-sql.ts';

const pod = (name: string, nodeName: string, extra: Partial<PodView> = {}): [string, PodView] => [name, { name, nodeName, phase: 'Running', ready: true, terminating: false, ...extra }];
const primarySample = (standbys: InstanceSample['standbys']): InstanceSample => ({ inRecovery: false, timeline: 2, receiver: null, reportedName: 'pg-1', standbys });
const replicaSample = (name: string, receiver = 'streaming'): InstanceSample => ({ inRecovery: true, timeline: 2, receiver, reportedName: name, standbys: [] });

const inputs = (overrides: Partial<TopologyInputs> = {}): TopologyInputs => ({
  status: { currentPrimary: 'pg-1', targetPrimary: 'pg-1', phase: 'Cluster in healthy state' },
  instances: ['pg-1', 'pg-2', 'pg-3'],
  pods: new Map([pod('pg-1', 'w1'), pod('pg-2', 'w2'), pod('pg-3', 'w3')]),
  nodeZones: new Map([
    ['w1', 'a'],
    ['w2', 'b'],
    ['w3', 'c'],
  ]),
  knownZones: new Map(),
  samples: new Map<string, InstanceSample | Error>([
    [
      'pg-1',
      primarySample([
        { name: 'pg-2', syncState: 'quorum', lagBytes: 0 },
        { name: 'pg-3', syncState: 'potential', lagBytes: 4096 },
      ]),
    ],
    ['pg-2', replicaSample('pg-2')],
    ['pg-3', replicaSample('pg-3')],
  ]),
  ...overrides,
});

describe('topology of a CloudNativePG cluster', () => {
  it('takes the primary from the operator and the standby roles and lag from the primary', () => {
    const t = topologyFromCnpg(inputs());
    expect(t.primary).toBe('pg-1');
    expect(t.instances).toEqual([
      { name: 'pg-1', zone: 'a', role: 'primary', state: 'running', timeline: 2, lagBytes: 0 },
      { name: 'pg-2', zone: 'b', role: 'sync-replica', state: 'streaming', timeline: 2, lagBytes: 0 },
      { name: 'pg-3', zone: 'c', role: 'replica', state: 'streaming', timeline: 2, lagBytes: 4096 },
    ]);
    expect(settleProblem(t)).toBeUndefined();
  });

  it('has no primary while a failover or switchover is pending', () => {
    const t = topologyFromCnpg(inputs({ status: { currentPrimary: 'pg-1', targetPrimary: 'pg-2' } }));
    expect(t.primary).toBeNull();
    expect(settleProblem(t)).toBe('no primary');
  });

  it('reports a killed instance as stopped, keeping its zone, and the cluster as not settled', () => {
    const pods = new Map([pod('pg-1', 'w1'), pod('pg-3', 'w3')]);
    const samples = inputs().samples as Map<string, InstanceSample | Error>;
    samples.set('pg-2', new Error('connection refused'));
    const t = topologyFromCnpg(inputs({ pods, samples, knownZones: new Map([['pg-2', 'b']]) }));
    expect(t.instances[1]).toEqual({ name: 'pg-2', zone: 'b', role: 'unknown', state: 'stopped', timeline: null, lagBytes: null });
    expect(settleProblem(t)).toBe('pg-2 is unknown (stopped)');
  });

  it('flags an instance that answers as a primary without being the operator primary', () => {
    const samples = inputs().samples as Map<string, InstanceSample | Error>;
    samples.set('pg-3', primarySample([]));
    expect(topologyFromCnpg(inputs({ samples })).instances[2]?.role).toBe('unknown');
  });

  it('reports a replica that replays without streaming, which is not settled', () => {
    const samples = inputs().samples as Map<string, InstanceSample | Error>;
    samples.set('pg-3', replicaSample('pg-3', 'catchup'));
    const t = topologyFromCnpg(inputs({ samples }));
    expect(t.instances[2]?.state).toBe('running (catchup)');
    expect(settleProblem(t)).toBe('pg-3 is running (catchup)');
  });
});
