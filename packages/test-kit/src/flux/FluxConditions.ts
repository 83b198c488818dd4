import { kubernetesTimestamp } from '../kubernetes';

/**
 * `metav1.Condition` handling as in fluxcd/pkg/runtime/conditions: setting a
 * condition keeps its `lastTransitionTime` unless the status flips, and
 * records the generation it was observed at.
 */

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<
  Condition,
  'lastTransitionTime' | 'observedGeneration'
>;

/** Flux orders conditions with Ready first, then the others as set. */
const ORDER = ['Ready', 'Reconciling', 'Stalled'];

export function setCondition(
  conditions: Condition[],
  input: ConditionInput,
  generation: number | undefined,
): Condition[] {
  const existing = conditions.find(c => c.type === input.type);
  const condition: Condition = {
    ...input,
    lastTransitionTime:
      existing && existing.status === input.status
        ? existing.lastTransitionTime
        : kubernetesTimestamp(),
    ...(generation !== undefined && { observedGeneration: generation }),
  };
  const others = conditions.filter(c => c.type !== input.type);
  return [...others, condition].sort((a, b) => rank(a.type) - rank(b.type));
}

export function removeCondition(
  conditions: Condition[],
  type: string,
): Condition[] {
  return conditions.filter(c => c.type !== type);
}

export function getCondition(
  conditions: unknown,
  type: string,
): Condition | undefined {
  return Array.isArray(conditions)
    ? (conditions as Condition[]).find(c => c.type === type)
    : undefined;
}

function rank(type: string): number {
  const index = ORDER.indexOf(type);
  return index < 0 ? ORDER.length : index;
}
