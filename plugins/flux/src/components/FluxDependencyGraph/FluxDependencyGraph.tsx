import {
  DependencyGraph,
  DependencyGraphTypes,
} from '@backstage/core-components';
import {
  FluxObjectReference,
  FluxObjectStatus,
  FluxObjectSummary,
  findFluxKind,
} from '@hubbops/plugin-flux-common';
import Typography from '@material-ui/core/Typography';
import { useTheme } from '@material-ui/core/styles';
import { statusLabels } from '../FluxStatus';

/** What a graph node carries. */
export interface FluxGraphNode {
  kind: string;
  namespace: string;
  name: string;
  cluster: string;
  /** Absent for objects referenced but not among the entity's objects. */
  status?: FluxObjectStatus;
  object?: FluxObjectSummary;
}

/** Why two nodes are joined. */
export type FluxGraphEdgeLabel = 'source' | 'dependsOn' | 'inventory';

export interface FluxGraph {
  nodes: DependencyGraphTypes.DependencyNode<FluxGraphNode>[];
  edges: DependencyGraphTypes.DependencyEdge<{}>[];
}

function nodeId(
  cluster: string,
  kind: string,
  namespace: string,
  name: string,
) {
  return `${cluster}/${kind}/${namespace}/${name}`;
}

/**
 * The graph of a set of Flux objects: source → object (`spec.sourceRef`),
 * dependency → dependent (`spec.dependsOn`) and Kustomization → the Flux
 * objects in its inventory. Referenced objects outside the set become nodes
 * without a status.
 */
export function buildFluxGraph(objects: FluxObjectSummary[]): FluxGraph {
  const nodes = new Map<
    string,
    DependencyGraphTypes.DependencyNode<FluxGraphNode>
  >();
  const edges = new Map<string, DependencyGraphTypes.DependencyEdge<{}>>();

  for (const object of objects) {
    const id = nodeId(
      object.cluster,
      object.kind,
      object.namespace,
      object.name,
    );
    nodes.set(id, {
      id,
      kind: object.kind,
      namespace: object.namespace,
      name: object.name,
      cluster: object.cluster,
      status: object.status,
      object,
    });
  }

  function ensure(
    cluster: string,
    kind: string,
    namespace: string,
    name: string,
  ): string {
    const id = nodeId(cluster, kind, namespace, name);
    if (!nodes.has(id)) {
      nodes.set(id, { id, kind, namespace, name, cluster });
    }
    return id;
  }

  function link(from: string, to: string, label: FluxGraphEdgeLabel) {
    if (from === to) return;
    edges.set(`${from}|${to}|${label}`, { from, to, label });
  }

  /** A reference's kind defaults to the referring kind for dependsOn. */
  function refId(
    object: FluxObjectSummary,
    ref: FluxObjectReference,
    defaultKind: string,
  ) {
    return ensure(
      object.cluster,
      ref.kind ?? defaultKind,
      ref.namespace ?? object.namespace,
      ref.name,
    );
  }

  for (const object of objects) {
    const id = nodeId(
      object.cluster,
      object.kind,
      object.namespace,
      object.name,
    );
    if (object.sourceRef) {
      link(refId(object, object.sourceRef, 'GitRepository'), id, 'source');
    }
    for (const dependency of object.dependsOn ?? []) {
      link(refId(object, dependency, object.kind), id, 'dependsOn');
    }
    for (const entry of object.inventory ?? []) {
      const kind = findFluxKind(entry.kind);
      if (kind && kind.group === entry.group) {
        link(
          id,
          ensure(object.cluster, kind.kind, entry.namespace, entry.name),
          'inventory',
        );
      }
    }
  }

  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

const NODE_HEIGHT = 44;
const CHAR_WIDTH = 7;

/** The fill of a node of each status. */
function useStatusColours(): Record<FluxObjectStatus | 'external', string> {
  const theme = useTheme();
  return {
    ready: theme.palette.success.main,
    notReady: theme.palette.error.main,
    reconciling: theme.palette.info.main,
    suspended: theme.palette.warning.main,
    unknown: theme.palette.grey[500],
    external: theme.palette.grey[300],
  };
}

/** Props of {@link FluxDependencyGraph}. */
export interface FluxDependencyGraphProps {
  objects: FluxObjectSummary[];
  /** Called when a node of a listed object is clicked. */
  onSelect?: (object: FluxObjectSummary) => void;
}

/** The entity's Flux objects and how they depend on one another. */
export const FluxDependencyGraph = ({
  objects,
  onSelect,
}: FluxDependencyGraphProps) => {
  const colours = useStatusColours();
  const theme = useTheme();
  const { nodes, edges } = buildFluxGraph(objects);

  if (edges.length === 0) {
    return (
      <Typography variant="body2" color="textSecondary">
        These Flux objects do not reference one another.
      </Typography>
    );
  }

  const renderNode = ({
    node,
  }: DependencyGraphTypes.RenderNodeProps<FluxGraphNode>) => {
    const title = `${node.namespace}/${node.name}`;
    // The same names recur in every cluster: say which cluster a node is in.
    const subtitle = `${node.kind} · ${node.cluster}`;
    const width = Math.max(title.length, subtitle.length + 2) * CHAR_WIDTH + 24;
    const fill = colours[node.status ?? 'external'];
    const textColour = theme.palette.getContrastText(fill);
    const label = node.status
      ? `${node.kind} ${title} in ${node.cluster}: ${statusLabels[node.status]}`
      : `${node.kind} ${title} in ${node.cluster} (not part of this entity)`;
    return (
      <g
        role="img"
        aria-label={label}
        style={{ cursor: node.object && onSelect ? 'pointer' : 'default' }}
        onClick={() => node.object && onSelect?.(node.object)}
      >
        <title>{label}</title>
        <rect
          width={width}
          height={NODE_HEIGHT}
          rx={8}
          fill={fill}
          strokeDasharray={node.status ? undefined : '4 2'}
          stroke={theme.palette.grey[600]}
        />
        <text x={12} y={17} fontSize={11} fill={textColour}>
          {subtitle}
        </text>
        <text x={12} y={34} fontSize={13} fontWeight="bold" fill={textColour}>
          {title}
        </text>
      </g>
    );
  };

  return (
    <DependencyGraph
      nodes={nodes}
      edges={edges}
      renderNode={renderNode}
      direction={DependencyGraphTypes.Direction.LEFT_RIGHT}
      labelPosition={DependencyGraphTypes.LabelPosition.RIGHT}
      paddingX={16}
      paddingY={16}
      fit="contain"
      zoom="enable-on-click"
      style={{ width: '100%', minHeight: 240 }}
    />
  );
};
