import { Watch } from '@kubernetes/client-node';
import { InfrastructureError, InterruptedError } from '../../errors.ts';
import type { KubeRest } from './kube-rest.ts';
import { resourcePath, type KubeObject, type ResourceRef } from './resources.ts';

export interface WatchTarget {
  resource: ResourceRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** What is awaited, for the error and for progress ("cluster pg healthy"). */
  description: string;
  /** Called when the reason for still waiting changes. */
  onProblem?: (problem: string) => void;
}

/**
 * Returns undefined once the objects are as wanted, otherwise why not yet
 * (a short sentence shown in progress and in the timeout error).
 */
export type Condition<T> = (objects: readonly T[]) => string | undefined;

/**
 * Waits for a condition over a set of objects with list + watch (no
 * polling): the condition is checked on the listed state, then again after
 * every watch event. A watch the server ends (its timeout, a 410 Gone after
 * compaction) is followed by a fresh list and watch.
 */
export async function waitFor<T extends KubeObject>(
  kube: KubeRest,
  target: WatchTarget,
  condition: Condition<T>,
  options: WaitOptions,
): Promise<readonly T[]> {
  const deadline = performance.now() + options.timeoutMs;
  let lastProblem = 'nothing listed yet';
  const note = (problem: string): void => {
    if (problem !== lastProblem) options.onProblem?.(problem);
    lastProblem = problem;
  };
  while (true) {
    if (options.signal?.aborted) throw new InterruptedError('abort');
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      throw new InfrastructureError(`${options.description}: not reached within ${Math.round(options.timeoutMs / 1000)}s (${lastProblem})`, {
        problem: lastProblem,
      });
    }
    const list = await kube.list<T>(target.resource, target.namespace, {
      ...(target.labelSelector ? { labelSelector: target.labelSelector } : {}),
      ...(target.fieldSelector ? { fieldSelector: target.fieldSelector } : {}),
    });
    const objects = new Map(list.items.map((o) => [o.metadata.name, o]));
    const problem = condition([...objects.values()]);
    if (problem === undefined) return [...objects.values()];
    note(problem);
    const started = performance.now();
    const outcome = await watchUntil(kube, target, list.metadata?.resourceVersion, objects, condition, note, remaining, options.signal);
    if (outcome.done) return outcome.objects;
    // A watch that ends at once (refused, 410 Gone) must not turn this loop into a busy poll.
    if (!outcome.timedOut && performance.now() - started < 1_000) await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits for one named object to satisfy a condition. */
export async function waitForObject<T extends KubeObject>(
  kube: KubeRest,
  resource: ResourceRef,
  name: string,
  namespace: string | undefined,
  condition: (object: T | undefined) => string | undefined,
  options: WaitOptions,
): Promise<T> {
  const objects = await waitFor<T>(
    kube,
    { resource, ...(namespace ? { namespace } : {}), fieldSelector: `metadata.name=${name}` },
    (items) => condition(items.find((o) => o.metadata.name === name)),
    options,
  );
  return objects.find((o) => o.metadata.name === name)!;
}

async function watchUntil<T extends KubeObject>(
  kube: KubeRest,
  target: WatchTarget,
  resourceVersion: string | undefined,
  objects: Map<string, T>,
  condition: Condition<T>,
  note: (problem: string) => void,
  remainingMs: number,
  signal: AbortSignal | undefined,
): Promise<{ done: true; objects: T[] } | { done: false; timedOut: boolean }> {
  const watch = new Watch(kube.config);
  return new Promise((resolve, reject) => {
    let settled = false;
    let controller: AbortController | undefined;
    const finish = (outcome: { done: true; objects: T[] } | { done: false; timedOut: boolean } | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      controller?.abort();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => finish(new InterruptedError('abort'));
    // On timeout, go back to the loop: it lists once more and reports the last problem.
    const timer = setTimeout(() => finish({ done: false, timedOut: true }), remainingMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (resourceVersion) query.resourceVersion = resourceVersion;
    if (target.labelSelector) query.labelSelector = target.labelSelector;
    if (target.fieldSelector) query.fieldSelector = target.fieldSelector;
    watch
      .watch(
        resourcePath(target.resource, target.namespace),
        query,
        (phase: string, object: T) => {
          if (settled) return;
          if (phase === 'ERROR') return finish({ done: false, timedOut: false }); // 410 Gone and the like: list again
          if (phase === 'BOOKMARK' || !object?.metadata?.name) return;
          if (phase === 'DELETED') objects.delete(object.metadata.name);
          else objects.set(object.metadata.name, object);
          let problem: string | undefined;
          try {
            problem = condition([...objects.values()]);
          } catch (error) {
            // A condition may refuse to wait any longer (a rollout past its deadline): that ends the wait.
            return finish(error instanceof Error ? error : new Error(String(error)));
          }
          if (problem === undefined) finish({ done: true, objects: [...objects.values()] });
          else note(problem);
        },
        () => finish({ done: false, timedOut: false }),
      )
      .then((c) => {
        controller = c;
        if (settled) c.abort();
      }, () => finish({ done: false, timedOut: false }));
  });
}
