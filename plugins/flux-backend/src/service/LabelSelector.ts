import { InputError } from '@backstage/errors';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

/**
 * A Kubernetes label selector in its string form (`app=web,tier!=db`,
 * `env in (prod,stage)`, `release`, `!canary`), as the
 * `backstage.io/kubernetes-label-selector` annotation holds it.
 */
export class LabelSelector {
  readonly #requirements: Requirement[];

  static parse(selector: string): LabelSelector {
    const requirements: Requirement[] = [];
    // Split on commas outside parentheses.
    const parts: string[] = [];
    let depth = 0;
    let current = '';
    for (const char of selector) {
      if (char === '(') depth += 1;
      if (char === ')') depth -= 1;
      if (char === ',' && depth === 0) {
        parts.push(current);
        current = '';
      } else {
        current += char;
      }
    }
    parts.push(current);
    for (const raw of parts) {
      const part = raw.trim();
      if (!part) continue;
      const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
      const equality = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(part);
      const exists = /^(!?)([\w./-]+)$/.exec(part);
      if (set) {
        requirements.push({
          key: set[1],
          op: set[2] as 'in' | 'notin',
          values: set[3].split(',').map(v => v.trim()),
        });
      } else if (equality) {
        requirements.push({
          key: equality[1],
          op: equality[2] === '!=' ? 'notin' : 'in',
          values: [equality[3]],
        });
      } else if (exists) {
        requirements.push({
          key: exists[2],
          op: exists[1] ? '!exists' : 'exists',
        });
      } else {
        throw new InputError(
          `Invalid label selector "${selector}" near "${part}"; use the ` +
            'Kubernetes form, e.g. "app=web,env in (prod,stage)"',
        );
      }
    }
    return new LabelSelector(requirements, selector.trim());
  }

  /** The selector as written, e.g. for cache keys. */
  readonly source: string;

  private constructor(requirements: Requirement[], source: string) {
    this.#requirements = requirements;
    this.source = source;
  }

  matches(labels: Record<string, string>): boolean {
    return this.#requirements.every(r => {
      const has = Object.prototype.hasOwnProperty.call(labels, r.key);
      switch (r.op) {
        case 'exists':
          return has;
        case '!exists':
          return !has;
        case 'in':
          return has && r.values.includes(labels[r.key]);
        case 'notin':
          return !has || !r.values.includes(labels[r.key]);
        default:
          return false;
      }
    });
  }
}
