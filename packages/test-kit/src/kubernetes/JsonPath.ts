/**
 * The subset of Kubernetes JSONPath that CRD printer columns use:
 * `.a.b`, `.a[0]`, `.a[*]`, and filters like `.a[?(@.type=="Ready")].status`.
 * Returns every match, in document order.
 */
export function evaluateJsonPath(root: unknown, path: string): unknown[] {
  const expression = path
    .trim()
    .replace(/^\{(.*)\}$/, '$1')
    .trim();
  let current: unknown[] = [root];
  let rest = expression.startsWith('$') ? expression.slice(1) : expression;

  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const match = /^\.([^.[]+)/.exec(rest);
      if (!match) {
        rest = rest.slice(1);
        continue;
      }
      current = current.flatMap(value => childOf(value, match[1]));
      rest = rest.slice(match[0].length);
    } else if (rest.startsWith('[')) {
      const close = findClosingBracket(rest);
      const inner = rest.slice(1, close).trim();
      rest = rest.slice(close + 1);
      current = current.flatMap(value => subscript(value, inner));
    } else {
      throw new Error(`Unsupported JSONPath expression: ${path}`);
    }
  }
  return current.filter(value => value !== undefined);
}

function childOf(value: unknown, key: string): unknown[] {
  if (key === '*') {
    return allChildren(value);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const child = (value as Record<string, unknown>)[key];
    return child === undefined ? [] : [child];
  }
  return [];
}

function allChildren(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null) return Object.values(value);
  return [];
}

function findClosingBracket(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") {
      quote = char;
    } else if (char === '[') {
      depth++;
    } else if (char === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  throw new Error(`Unbalanced brackets in JSONPath: ${text}`);
}

function subscript(value: unknown, inner: string): unknown[] {
  if (inner === '*') {
    return allChildren(value);
  }
  if (/^-?\d+$/.test(inner)) {
    if (!Array.isArray(value)) return [];
    const index = Number(inner);
    const item = value[index < 0 ? value.length + index : index];
    return item === undefined ? [] : [item];
  }
  const quoted = /^['"](.*)['"]$/.exec(inner);
  if (quoted) {
    return childOf(value, quoted[1]);
  }
  const filter =
    /^\?\(@\.([\w.]+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))\)$/.exec(inner);
  if (filter) {
    if (!Array.isArray(value)) return [];
    const [, fieldPath, operator, doubleQuoted, singleQuoted, bare] = filter;
    const expected = doubleQuoted ?? singleQuoted ?? bare;
    return value.filter(item => {
      const actual = evaluateJsonPath(item, `.${fieldPath}`)[0];
      const equal = actual !== undefined && String(actual) === expected;
      return operator === '==' ? equal : !equal;
    });
  }
  throw new Error(`Unsupported JSONPath subscript: [${inner}]`);
}
