import { evaluateJsonPath } from './JsonPath';
import { KubernetesObject } from './KubernetesObject';
import {
  PrinterColumn,
  RegisteredResource,
  ResourceVersionDefinition,
} from './ResourceRegistry';

/**
 * Server-side printing: the `meta.k8s.io` `Table` that `kubectl get` asks for
 * with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Serving it
 * makes `kubectl get` print the same columns as against a real cluster
 * (Ready/Status for Flux kinds) instead of falling back to NAME/AGE.
 */

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** `meta.k8s.io/v1` or `meta.k8s.io/v1beta1`, whichever was accepted. */
  apiVersion: string;
  includeObject: IncludeObject;
  /** Watches send column definitions only with the first event. */
  noHeaders?: boolean;
}

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: Record<string, unknown>;
  columnDefinitions?: TableColumnDefinition[];
  rows: Array<{ cells: unknown[]; object?: unknown }>;
}

const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** `duration.HumanDuration` from apimachinery, as `AGE` columns show it. */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    const years = Math.floor(hours / 24 / 365);
    return days === 0 ? `${years}y` : `${years}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function columnsFor(
  resource: RegisteredResource,
  version: ResourceVersionDefinition,
): PrinterColumn[] {
  return version.printerColumns ?? resource.printerColumns;
}

function cellValue(column: PrinterColumn, object: KubernetesObject): unknown {
  let value: unknown;
  if (column.value) {
    value = column.value(object);
  } else if (column.jsonPath) {
    value = evaluateJsonPath(object, column.jsonPath)[0];
  }
  if (value === undefined || value === null) {
    return column.type === 'date' ? '<unknown>' : null;
  }
  switch (column.type) {
    case 'date': {
      const time = Date.parse(String(value));
      return Number.isNaN(time)
        ? '<unknown>'
        : humanDuration(Date.now() - time);
    }
    case 'integer':
    case 'number':
      return typeof value === 'number' ? value : Number(value);
    case 'boolean':
      return Boolean(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

function rowObject(object: KubernetesObject, options: TableOptions) {
  switch (options.includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return object;
    default:
      return {
        kind: 'PartialObjectMetadata',
        apiVersion: options.apiVersion,
        metadata: object.metadata,
      };
  }
}

/** Renders objects of one resource version as a `Table`. */
export function renderTable(
  resource: RegisteredResource,
  version: ResourceVersionDefinition,
  objects: KubernetesObject[],
  listMetadata: Record<string, unknown>,
  options: TableOptions,
): Table {
  const columns = columnsFor(resource, version);
  const table: Table = {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: listMetadata,
    rows: objects.map(object => {
      const row: { cells: unknown[]; object?: unknown } = {
        cells: [
          object.metadata.name,
          ...columns.map(column => cellValue(column, object)),
        ],
      };
      const included = rowObject(object, options);
      if (included !== undefined) {
        row.object = included;
      }
      return row;
    }),
  };
  if (!options.noHeaders) {
    table.columnDefinitions = [
      NAME_COLUMN,
      ...columns.map(column => ({
        name: column.name,
        type: column.type === 'date' ? 'date' : column.type,
        format: column.format ?? '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
      })),
    ];
  }
  return table;
}
