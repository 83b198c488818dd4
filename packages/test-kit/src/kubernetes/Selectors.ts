import { badRequestError } from './ApiStatusError';
import { KubernetesObject } from './KubernetesObject';

/**
 * Label and field selectors with the grammar of `k8s.io/apimachinery/pkg/labels`
 * and `.../fields`, so that the query strings clients build behave the same.
 */

export type LabelOperator =
  | '='
  | '!='
  | 'in'
  | 'notin'
  | 'exists'
  | '!'
  | 'gt'
  | 'lt';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed label selector; an empty list of requirements matches all. */
export type LabelSelector = LabelRequirement[];

type Token =
  | { type: 'identifier'; text: string }
  | { type: 'operator'; text: string }
  | { type: 'end' };

const OPERATOR_CHARACTERS = new Set(['=', '!', '(', ')', ',', '>', '<']);

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const char = input[i];
    if (/\s/.test(char)) {
      i++;
    } else if (OPERATOR_CHARACTERS.has(char)) {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ type: 'operator', text: two });
        i += 2;
      } else {
        tokens.push({ type: 'operator', text: char });
        i++;
      }
    } else {
      let end = i;
      while (
        end < input.length &&
        !/\s/.test(input[end]) &&
        !OPERATOR_CHARACTERS.has(input[end])
      ) {
        end++;
      }
      tokens.push({ type: 'identifier', text: input.slice(i, end) });
      i = end;
    }
  }
  tokens.push({ type: 'end' });
  return tokens;
}

const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function tokenText(token: Token): string {
  return token.type === 'end' ? '' : token.text;
}

function parseError(detail: string) {
  return badRequestError(`unable to parse requirement: ${detail}`);
}

function checkKey(key: string) {
  if (!QUALIFIED_NAME.test(key) || key.length > 317) {
    throw parseError(
      `values[0][${key}]: Invalid value: "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function checkValue(value: string) {
  if (!LABEL_VALUE.test(value) || value.length > 63) {
    throw parseError(
      `values[0][${value}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

/** Parses `labelSelector`; throws a 400 `Status` on bad syntax. */
export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (!input || !input.trim()) {
    return [];
  }
  const tokens = tokenize(input);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const requirements: LabelRequirement[] = [];

  const expectIdentifier = (after: string): string => {
    const token = next();
    if (token.type !== 'identifier') {
      throw parseError(
        `found '${tokenText(token)}', expected: identifier after '${after}'`,
      );
    }
    return token.text;
  };

  for (;;) {
    const first = next();
    if (first.type === 'operator' && first.text === '!') {
      const key = expectIdentifier('!');
      checkKey(key);
      requirements.push({ key, operator: '!', values: [] });
    } else if (first.type === 'identifier') {
      const key = first.text;
      checkKey(key);
      const op = peek();
      if (op.type === 'end' || (op.type === 'operator' && op.text === ',')) {
        requirements.push({ key, operator: 'exists', values: [] });
      } else if (
        op.type === 'operator' &&
        ['=', '==', '!='].includes(op.text)
      ) {
        next();
        const valueToken = peek();
        let value = '';
        if (valueToken.type === 'identifier') {
          value = valueToken.text;
          next();
        }
        checkValue(value);
        requirements.push({
          key,
          operator: op.text === '!=' ? '!=' : '=',
          values: [value],
        });
      } else if (
        op.type === 'operator' &&
        (op.text === '>' || op.text === '<')
      ) {
        next();
        const value = expectIdentifier(op.text);
        if (!/^-?\d+$/.test(value)) {
          throw parseError(
            `for 'Gt', 'Lt' operators, the value must be an integer`,
          );
        }
        requirements.push({
          key,
          operator: op.text === '>' ? 'gt' : 'lt',
          values: [value],
        });
      } else if (
        op.type === 'identifier' &&
        (op.text === 'in' || op.text === 'notin')
      ) {
        next();
        const open = next();
        if (open.type !== 'operator' || open.text !== '(') {
          throw parseError(`found '${tokenText(open)}', expected: '('`);
        }
        const values: string[] = [];
        for (;;) {
          const token = next();
          if (token.type === 'identifier') {
            checkValue(token.text);
            values.push(token.text);
            const after = next();
            if (after.type === 'operator' && after.text === ')') break;
            if (after.type !== 'operator' || after.text !== ',') {
              throw parseError(
                `found '${tokenText(after)}', expected: ',' or ')'`,
              );
            }
          } else if (token.type === 'operator' && token.text === ')') {
            break;
          } else {
            throw parseError(
              `found '${tokenText(token)}', expected: ',', ')' or identifier`,
            );
          }
        }
        if (values.length === 0) {
          throw parseError(
            `for 'in', 'notin' operators, values set can't be empty`,
          );
        }
        requirements.push({ key, operator: op.text, values });
      } else {
        throw parseError(
          `found '${tokenText(op)}', expected: in, notin, =, ==, !=, gt, lt`,
        );
      }
    } else {
      throw parseError(
        `found '${tokenText(
          first,
        )}', expected: !, identifier, or 'end of string'`,
      );
    }

    const separator = next();
    if (separator.type === 'end') break;
    if (separator.type !== 'operator' || separator.text !== ',') {
      throw parseError(
        `found '${tokenText(separator)}', expected: ',' or 'end of string'`,
      );
    }
  }
  return requirements;
}

/** Whether a set of labels satisfies every requirement. */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Record<string, string> | undefined,
): boolean {
  const all = labels ?? {};
  return selector.every(({ key, operator, values }) => {
    const has = Object.prototype.hasOwnProperty.call(all, key);
    const value = all[key];
    switch (operator) {
      case '=':
        return has && value === values[0];
      case '!=':
        return !has || value !== values[0];
      case 'in':
        return has && values.includes(value);
      case 'notin':
        return !has || !values.includes(value);
      case 'exists':
        return has;
      case '!':
        return !has;
      case 'gt':
        return (
          has && /^-?\d+$/.test(value) && Number(value) > Number(values[0])
        );
      case 'lt':
        return (
          has && /^-?\d+$/.test(value) && Number(value) < Number(values[0])
        );
      default:
        return false;
    }
  });
}

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** The fields every resource can select on. */
export const DEFAULT_SELECTABLE_FIELDS = [
  'metadata.name',
  'metadata.namespace',
];

/**
 * Parses `fieldSelector` (`a=b,c!=d`, with `\,` `\=` `\\` escapes) and
 * rejects fields the resource does not index, as the API server does.
 */
export function parseFieldSelector(
  input: string | undefined,
  selectableFields: string[],
): FieldSelector {
  if (!input || !input.trim()) {
    return [];
  }
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < input.length; i++) {
    const char = input[i];
    if (char === '\\' && i + 1 < input.length) {
      current += char + input[++i];
    } else if (char === ',') {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);

  return parts.map(part => {
    const split = splitFieldRequirement(part);
    if (!split) {
      throw badRequestError(
        `invalid selector: '${input}'; can't understand '${part}'`,
      );
    }
    const fieldName = split.field.trim();
    if (
      !DEFAULT_SELECTABLE_FIELDS.includes(fieldName) &&
      !selectableFields.includes(fieldName)
    ) {
      throw badRequestError(`field label not supported: ${fieldName}`);
    }
    return {
      field: fieldName,
      operator: split.operator,
      value: split.value.replace(/\\(.)/g, '$1'),
    };
  });
}

/** Splits `field<op>value` at the first operator that is not escaped. */
function splitFieldRequirement(
  part: string,
): { field: string; operator: '=' | '!='; value: string } | undefined {
  for (let i = 0; i < part.length; i++) {
    if (part[i] === '\\') {
      i++;
    } else if (part.startsWith('!=', i)) {
      return {
        field: part.slice(0, i),
        operator: '!=',
        value: part.slice(i + 2),
      };
    } else if (part.startsWith('==', i)) {
      return {
        field: part.slice(0, i),
        operator: '=',
        value: part.slice(i + 2),
      };
    } else if (part[i] === '=') {
      return {
        field: part.slice(0, i),
        operator: '=',
        value: part.slice(i + 1),
      };
    }
  }
  return undefined;
}

/** Reads a dotted field (e.g. `involvedObject.name`) as a string. */
export function selectableFieldValue(
  object: KubernetesObject,
  fieldPath: string,
): string {
  let current: unknown = object;
  for (const key of fieldPath.split('.')) {
    if (typeof current !== 'object' || current === null) {
      return '';
    }
    current = (current as Record<string, unknown>)[key];
  }
  if (fieldPath === 'source' && typeof current === 'object' && current) {
    // Events select on `source` as the reporting component's name.
    return String((current as { component?: string }).component ?? '');
  }
  return current === undefined || current === null ? '' : String(current);
}

export function matchesFieldSelector(
  selector: FieldSelector,
  object: KubernetesObject,
): boolean {
  return selector.every(({ field, operator, value }) => {
    const actual = selectableFieldValue(object, field);
    return operator === '=' ? actual === value : actual !== value;
  });
}
