import type { Scenario, Step } from './types.ts';

/**
 * The scenario as one target runs it: its per-target waits and thresholds
 * applied (a per-target threshold replaces the scenario's own on the same
 * metric), and the per-target fields gone. A target without an entry, the
 * local one always, gets exactly the scenario's own values.
 */
export function scenarioForTarget(scenario: Scenario, target: string): Scenario {
  const { byTarget, ...rest } = scenario;
  const own = byTarget && Object.hasOwn(byTarget, target) ? byTarget[target as keyof typeof byTarget] : undefined;
  let thresholds = rest.thresholds;
  if (own) {
    // In place, so the report lists the gates in the scenario's order; a metric the scenario does not gate comes last.
    const placed = new Set<string>();
    thresholds = rest.thresholds.flatMap((t) => {
      const others = own.thresholds.filter((o) => o.metric === t.metric);
      if (others.length === 0) return [t];
      if (placed.has(t.metric)) return [];
      placed.add(t.metric);
      return others;
    });
    thresholds.push(...own.thresholds.filter((o) => !placed.has(o.metric)));
  }
  return { ...rest, steps: rest.steps.map((step) => stepForTarget(step, target)), thresholds };
}

function stepForTarget(step: Step, target: string): Step {
  if (step.kind !== 'wait' || !step.byTarget) return step;
  const { byTarget, ...rest } = step;
  const own = Object.hasOwn(byTarget, target) ? byTarget[target as keyof typeof byTarget] : undefined;
  return own ? { ...rest, ms: own.ms, text: own.text } : rest;
}
