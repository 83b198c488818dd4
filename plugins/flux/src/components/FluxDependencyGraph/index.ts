export { FluxDependencyGraph, buildFluxGraph } from './FluxDependencyGraph';
export type {
  FluxDependencyGraphProps,
  FluxGraph,
  FluxGraphNode,
  FluxGraphEdgeLabel,
} from './FluxDependencyGraph';
