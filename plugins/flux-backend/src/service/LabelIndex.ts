import { LabelSelector } from './LabelSelector';

interface LabelSet<M> {
  labels: Record<string, string>;
  members: Set<M>;
}

/** Equal label sets share one signature, whatever order their keys came in. */
function signatureOf(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map(key => [key, labels[key]]),
  );
}

/**
 * Members (objects, by key) by their labels: by the value of one label that
 * is looked up often (`backstage.io/kubernetes-id`), and grouped by distinct
 * label set, so that a label selector is evaluated once per label set rather
 * than once per object. Objects deployed together mostly share their labels,
 * so there are far fewer label sets than objects.
 */
export class LabelIndex<M> {
  readonly #label: string;
  readonly #byValue = new Map<string, Set<M>>();
  readonly #sets = new Map<string, LabelSet<M>>();

  /** @param label - the label whose values {@link withLabel} looks up */
  constructor(label: string) {
    this.#label = label;
  }

  add(member: M, labels: Record<string, string>): void {
    const value = labels[this.#label];
    if (typeof value === 'string') {
      let members = this.#byValue.get(value);
      if (!members) {
        members = new Set();
        this.#byValue.set(value, members);
      }
      members.add(member);
    }
    const signature = signatureOf(labels);
    let set = this.#sets.get(signature);
    if (!set) {
      set = { labels, members: new Set() };
      this.#sets.set(signature, set);
    }
    set.members.add(member);
  }

  /** Forgets a member; `labels` must be those it was added with. */
  delete(member: M, labels: Record<string, string>): void {
    const value = labels[this.#label];
    if (typeof value === 'string') {
      const members = this.#byValue.get(value);
      members?.delete(member);
      if (members?.size === 0) this.#byValue.delete(value);
    }
    const signature = signatureOf(labels);
    const set = this.#sets.get(signature);
    set?.members.delete(member);
    if (set?.members.size === 0) this.#sets.delete(signature);
  }

  /** The members whose indexed label has this value. */
  withLabel(value: string): Iterable<M> {
    return this.#byValue.get(value) ?? [];
  }

  /** The members whose labels the selector matches. */
  *matching(selector: LabelSelector): Iterable<M> {
    for (const { labels, members } of this.#sets.values()) {
      if (selector.matches(labels)) yield* members;
    }
  }

  /** How many distinct label sets are held. */
  get labelSets(): number {
    return this.#sets.size;
  }
}
