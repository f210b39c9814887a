#!/usr/bin/env bash
# Sourced by the evaluation scripts: which pipeline backend to use. The Kubeflow cluster when the repository
# defines one (variables KF_PIPELINES_ENDPOINT and RAGOPS_PIPELINE_ROOT, secret KF_PIPELINES_TOKEN, object-store
# credentials as AWS_* secrets), else the KFP local runner on the CI machine. Fork pull requests get no secrets:
# without a token they evaluate locally.
backend_args=()
if [ -n "${KF_PIPELINES_ENDPOINT:-}" ] && [ -n "${RAGOPS_PIPELINE_ROOT:-}" ] && [ -n "${KF_PIPELINES_TOKEN:-}" ]; then
  backend_args=(--backend kfp)
  echo "evaluating on the Kubeflow cluster at $KF_PIPELINES_ENDPOINT"
else
  echo "evaluating on the KFP local runner"
fi
