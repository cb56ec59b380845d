/**
 * The records of a dependency search: what `covlasso deps` and `covlasso cross` write, and what
 * the evaluation, graph and report tools read.
 * @module
 */

/** One target's dependency, as written by `covlasso deps`. */
export interface TargetDependency {
  target: number;
  name?: string;
  lambda: number;
  lambdaMax: number;
  /** Source categories, by decreasing |coefficient|. */
  sources: number[];
  sourceNames?: string[];
  coef: number[];
  /** μ_target − Σ coef·μ_source, when centered. */
  intercept?: number;
  objective: number;
  gap: number;
  residualVariance: number;
  relativeError: number;
  iterations: number;
  converged: boolean;
  /** The λ path of this target, when {@link FindDependenciesOptions.path} was given. */
  path?: TargetPath;
  /** Top-1 accuracy on evaluation rows before replacing this target's logit (CLI `--eval*`). */
  accuracyBefore?: number;
  /** Top-1 accuracy after replacing this target's logit alone by its dependency. */
  accuracyAfter?: number;
  /** Recall of the target class before replacement. */
  recallBefore?: number;
  /** Recall of the target class after replacement. */
  recallAfter?: number;
}

/** One target's λ path summary: arrays indexed by λ (decreasing λ). */
export interface TargetPath {
  /** Absolute λ values. */
  lambdas: number[];
  /** λ / λ_max of the target (when the path was given by ratios). */
  ratios?: number[];
  /** Relative error r²/S_tt at each λ. */
  relativeError: number[];
  /** Number of sources at each λ. */
  nnz: number[];
}

/** The result of {@link findDependencies}: the JSON `covlasso deps` writes. */
export interface DependencyReport {
  categories: number;
  samples: number;
  center: boolean;
  targets: TargetDependency[];
  /** Evaluation summary (CLI `deps --eval-rows/--eval --labels`): see {@link evaluateReplacement}. */
  evaluation?: {
    /** Evaluation rows. */
    rows?: number;
    /** Top-1 accuracy of the original logits. */
    accuracyBefore?: number;
    /** Top-1 accuracy with every target replaced at once (each from the original logits). */
    accuracyAllReplaced?: number;
  };
}

