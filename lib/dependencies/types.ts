/**
 * The records of a dependency search: what `covlasso deps` and `covlasso cross` write, and what
 * the evaluation, graph and report tools read.
 * @module
 */

/** One target's dependency, as written by `covlasso deps`. */
export interface TargetDependency {
  /** Index of the target category (its column). */
  target: number;
  /** Its name, when names were given. */
  name?: string;
  /** The λ solved at (our convention: scikit-learn's `alpha`). */
  lambda: number;
  /** λ_max(t) = max_{j≠t} |S_jt|: at or above it β = 0. */
  lambdaMax: number;
  /** Source categories, by decreasing |coefficient|. */
  sources: number[];
  /** Names of `sources`, when names were given. */
  sourceNames?: string[];
  /** Coefficients of `sources`, in the same order. */
  coef: number[];
  /** μ_target − Σ coef·μ_source, when centered. */
  intercept?: number;
  /** The CovLasso objective P_t(β) at the solution. */
  objective: number;
  /** The duality gap certifying it (≤ tol · S_tt when `converged`). */
  gap: number;
  /** r² = S_tt − 2βᵀS_{:,t} + βᵀSβ: the variance left unexplained. */
  residualVariance: number;
  /** r² / S_tt. */
  relativeError: number;
  /** Coordinate-descent sweeps the solver took. */
  iterations: number;
  /** Whether the duality-gap certificate holds. */
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
  /** Number of categories C (columns of the logits). */
  categories: number;
  /** Number of rows the covariance was computed from. */
  samples: number;
  /** Whether the covariance was centered (intercepts fitted). */
  center: boolean;
  /** One entry per target, in the order of the targets asked for. */
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

