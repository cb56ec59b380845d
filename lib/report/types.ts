/**
 * The input of the HTML report: the `covlasso deps` JSON ({@link DependencyReport}), plus the
 * optional fields that evaluation, λ paths and cross-model reports add. Everything beyond the
 * `deps` shape is optional: the report renders what is present and skips what is absent.
 * @module
 */
import type { DependencyReport, TargetDependency } from '../dependencies/types';

/** A target's regularisation path: relative error and number of sources along λ. */
export interface ReportLambdaPath {
  /** Absolute λ values, decreasing. */
  lambdas: number[];
  /** Relative error r²/S_tt at each λ. */
  relativeError: number[];
  /** Number of sources at each λ. */
  nnz: number[];
}

/** Fields the report declares itself (so it reads them whatever their declaration elsewhere). */
type ReportTargetExtras = 'accuracyBefore' | 'accuracyAfter' | 'recallBefore' | 'recallAfter' | 'path' | 'sourceModel';

/** One target of a report: a {@link TargetDependency} with optional evaluation and path. */
export interface ReportTarget extends Omit<TargetDependency, ReportTargetExtras> {
  /** Top-1 accuracy over the evaluation rows before / after replacing this target's logit. */
  accuracyBefore?: number;
  /** Top-1 accuracy after the replacement. */
  accuracyAfter?: number;
  /** Recall of this target's class before / after the replacement. */
  recallBefore?: number;
  /** Recall after the replacement. */
  recallAfter?: number;
  /** The target's λ path, when one was traced. */
  path?: ReportLambdaPath;
  /** Cross-model reports: the model the sources come from. */
  sourceModel?: unknown;
}

/** Overall evaluation of a report. */
export interface ReportEvaluation {
  /** Number of evaluation rows. */
  rows?: number;
  /** Top-1 accuracy of the original logits. */
  accuracyBefore?: number;
  /** Top-1 accuracy with every target's logit replaced by its dependency. */
  accuracyAllReplaced?: number;
}

/** What {@link renderReport} draws: a `deps` (or `cross`) report, with optional extras. */
export interface ReportInput extends Omit<DependencyReport, 'targets' | 'evaluation' | 'sourceModel'> {
  /** The targets to draw. */
  targets: ReportTarget[];
  /** The overall evaluation, when there was one. */
  evaluation?: ReportEvaluation;
  /** Cross-model reports: the model the sources come from (the targets are the other model's). */
  sourceModel?: unknown;
}

/** Options of {@link renderReport}. */
export interface ReportOptions {
  /** Page title (default "covlasso dependency report"). */
  title?: string;
  /** Strongest edges shown in the graph at first (default 300; the page has a control). */
  top?: number;
}
