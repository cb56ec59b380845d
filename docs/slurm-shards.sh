#!/usr/bin/env bash
# A sharded covlasso dependency job on Slurm: job arrays chained with --dependency=afterok.
# UNTESTED HERE (no Slurm cluster in covlasso's CI); docs/shard-step.js itself is the library's
# shard API (covarianceShard, mergeCovarianceShards, dependencyShard, mergeDependencyShards).
#
#   LOGITS=/shared/logits.npy WORK=/shared/job COV_SHARDS=64 TARGET_SHARDS=16 \
#     LAMBDA_RATIO=0.1 CENTER=1 bash docs/slurm-shards.sh
#
# Needs: Node >= 18 with covlasso installed on every node (NODE_PATH or a project directory),
# LOGITS and WORK on a file system all nodes share. Each step skips outputs that already verify,
# so resubmitting the whole chain after a failure redoes only what is missing.
set -euo pipefail
: "${LOGITS:?set LOGITS}" "${WORK:?set WORK}"
COV_SHARDS=${COV_SHARDS:-16}
TARGET_SHARDS=${TARGET_SHARDS:-8}
STEP="node $(cd "$(dirname "$0")" && pwd)/shard-step.js"
mkdir -p "$WORK"
export LOGITS WORK ROWS="${ROWS:-}" LAMBDA_RATIO="${LAMBDA_RATIO:-0.1}" CENTER="${CENTER:-0}"
common=(--parsable --export=ALL --output="$WORK/slurm-%x-%A_%a.out")

# 1. covariance shards: array task k streams rows shard k of COV_SHARDS (SLURM_ARRAY_TASK_ID is 0-based here)
cov=$(sbatch "${common[@]}" --job-name=covlasso-cov --array=0-$((COV_SHARDS - 1)) --cpus-per-task=8 \
  --wrap="THREADS=\$SLURM_CPUS_PER_TASK $STEP cov \$SLURM_ARRAY_TASK_ID $COV_SHARDS")
# 2. merge of the states
merge_cov=$(sbatch "${common[@]}" --job-name=covlasso-cov-merge --dependency=afterok:"$cov" \
  --wrap="$STEP cov-merge $COV_SHARDS")
# 3. target shards
deps=$(sbatch "${common[@]}" --job-name=covlasso-deps --array=0-$((TARGET_SHARDS - 1)) --cpus-per-task=8 \
  --dependency=afterok:"$merge_cov" --wrap="THREADS=\$SLURM_CPUS_PER_TASK $STEP deps \$SLURM_ARRAY_TASK_ID $TARGET_SHARDS")
# 4. final merge: $WORK/deps.json, the report one `covlasso deps` process writes
final=$(sbatch "${common[@]}" --job-name=covlasso-merge --dependency=afterok:"$deps" \
  --wrap="$STEP merge $TARGET_SHARDS")
echo "submitted: cov=$cov cov-merge=$merge_cov deps=$deps merge=$final; result: $WORK/deps.json"
