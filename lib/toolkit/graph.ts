/**
 * Dependency graphs: nodes are categories, a directed edge source → target weighted by the
 * coefficient, exported as JSON, Graphviz DOT or GraphML (names escaped; CJK names stay as is).
 * @module
 */
import type { DependencyLike } from './evaluate';

/** A node of a {@link DependencyGraph}. */
export interface GraphNode {
  /** Category index (for cross-model graphs, prefixed ids keep the two models apart). */
  id: string;
  /** Category index within its model. */
  index: number;
  /** Class name (the index as text when no name is known). */
  name: string;
  /** `'target'`, `'source'` or both models' roles in cross graphs: which model it belongs to. */
  model?: string;
}

/** An edge source → target. */
export interface GraphEdge {
  /** Id of the source node. */
  source: string;
  /** Id of the target node. */
  target: string;
  /** The coefficient of the source in the target's dependency. */
  weight: number;
}

/** A directed weighted graph of dependencies. */
export interface DependencyGraph {
  /** Every category that appears as a source or a target. */
  nodes: GraphNode[];
  /** One edge per nonzero coefficient, source → target. */
  edges: GraphEdge[];
}

/** Options of {@link dependencyGraph}. */
export interface DependencyGraphOptions {
  /** Names of target categories (default: each dependency's `name`, else the report's). */
  names?: readonly string[];
  /** Names of source categories (cross-model; default: `names`). */
  sourceNames?: readonly string[];
  /** Drop edges with |coef| below this (default 0: keep all). */
  minWeight?: number;
  /** Cross-model graph: node ids become `A:i` / `B:j` (targets in `targetModel`, sources in the other). */
  crossModel?: {
    /** The targets' model (their node ids get this prefix). */
    targetModel: string;
    /** The sources' model. */
    sourceModel: string;
  };
}

/** What {@link dependencyGraph} reads of a report: its targets' sources and coefficients (and source names). */
export interface ReportLike {
  /** One entry per target, as `findDependencies` / `crossDependencies` report them. */
  targets: readonly (DependencyLike & {
    /** Names of the sources (node labels), when the report has them. */
    sourceNames?: readonly string[];
  })[];
}

/**
 * Builds the graph of a dependency report (`findDependencies` / `crossDependencies` output):
 * one node per category that appears, one edge per nonzero coefficient, source → target.
 * @example
 * const g = dependencyGraph(report, { minWeight: 0.05 });
 * fs.writeFileSync('deps.dot', toDOT(g));
 */
export function dependencyGraph(report: ReportLike, options: DependencyGraphOptions = {}): DependencyGraph {
  const nodes = new Map<string, GraphNode>();
  const edges: GraphEdge[] = [];
  const min = options.minWeight ?? 0;
  const cm = options.crossModel;
  const node = (index: number, name: string | undefined, model: string | undefined): string => {
    const id = model ? `${model}:${index}` : String(index);
    if (!nodes.has(id)) {
      const n: GraphNode = { id, index, name: name ?? String(index) };
      if (model) n.model = model;
      nodes.set(id, n);
    }
    return id;
  };
  for (const dep of report.targets) {
    const tName = options.names?.[dep.target] ?? dep.name;
    const t = node(dep.target, tName, cm?.targetModel);
    for (let q = 0; q < dep.sources.length; q++) {
      const w = dep.coef[q];
      if (!(Math.abs(w) >= min) || w === 0) continue;
      const j = dep.sources[q];
      const sName = (options.sourceNames ?? (cm ? undefined : options.names))?.[j] ?? dep.sourceNames?.[q];
      edges.push({ source: node(j, sName, cm?.sourceModel), target: t, weight: w });
    }
  }
  return { nodes: [...nodes.values()], edges };
}

/** The graph as JSON text `{ nodes, edges }`. */
export function toJSON(graph: DependencyGraph): string {
  return JSON.stringify(graph);
}

/** A DOT double-quoted string: backslash, quote and line breaks escaped. */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`;
}

/** Graphviz DOT text (`digraph`), edges labelled and weighted by coefficients (3 significant digits). */
export function toDOT(graph: DependencyGraph, name = 'dependencies'): string {
  const lines = [`digraph ${dotString(name)} {`, '  node [shape=box];'];
  for (const n of graph.nodes) lines.push(`  ${dotString(n.id)} [label=${dotString(n.name)}];`);
  for (const e of graph.edges) {
    const w = Number(e.weight.toPrecision(3));
    lines.push(`  ${dotString(e.source)} -> ${dotString(e.target)} [weight=${Math.abs(w)}, label=${dotString(String(w))}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Escapes text for XML content and attribute values (and drops characters XML 1.0 forbids). */
export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** GraphML text: node attribute `name`, edge attribute `weight` (double), directed. */
export function toGraphML(graph: DependencyGraph): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    '  <key id="name" for="node" attr.name="name" attr.type="string"/>',
    '  <key id="index" for="node" attr.name="index" attr.type="int"/>',
    '  <key id="weight" for="edge" attr.name="weight" attr.type="double"/>',
    '  <graph id="dependencies" edgedefault="directed">',
  ];
  for (const n of graph.nodes) {
    lines.push(`    <node id="${xmlEscape(n.id)}"><data key="name">${xmlEscape(n.name)}</data><data key="index">${n.index}</data></node>`);
  }
  graph.edges.forEach((e, k) => {
    lines.push(`    <edge id="e${k}" source="${xmlEscape(e.source)}" target="${xmlEscape(e.target)}"><data key="weight">${e.weight}</data></edge>`);
  });
  lines.push('  </graph>', '</graphml>');
  return `${lines.join('\n')}\n`;
}
