#!/usr/bin/env bash
# Deploys the Task Manager to AWS: uploads a release tarball and creates or updates the stacks in
# the order their exports need, then prints the load balancer's URL. See docs/deployment.md.
#
#   infra/deploy.sh [options] [deploy]        upload the release, deploy every stack
#   infra/deploy.sh [options] rollback NAME   put release NAME (already uploaded) back on the instances
#   infra/deploy.sh [options] releases        list the uploaded releases
#   infra/deploy.sh [options] refresh         replace the instances with fresh ones, same release
#
# Options:
#   --prefix NAME          stack names are NAME-network, NAME-app, ... (default: task-manager)
#   --region REGION        AWS region (default: the AWS CLI's own configuration)
#   --release FILE         release tarball, with FILE.sha256 beside it (default: the newest in dist/)
#   --bucket NAME          artifact bucket of your own (default: the NAME-artifacts stack makes one)
#   --alarm-email ADDRESS  where alarms are mailed (kept from the last deploy when not given)
#   --param STACK.KEY=VAL  a template parameter, e.g. --param network.NatGateways=single or
#                          --param load-balancer.CertificateArn=arn:aws:acm:...; repeatable. Given
#                          once, a value stays: later deploys keep each stack's existing values.
#   --dry-run              print the aws commands instead of running them
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACKS=(network security database load-balancer app monitoring)

prefix=task-manager
region=""
release=""
bucket=""
alarm_email=""
dry_run=false
params=()
command=deploy
release_name=""
positional=()

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}
fail() {
  printf 'deploy: %s\n' "$*" >&2
  exit 1
}
say() { printf 'deploy: %s\n' "$*" >&2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --prefix) prefix=${2:?}; shift 2 ;;
    --region) region=${2:?}; shift 2 ;;
    --release) release=${2:?}; shift 2 ;;
    --bucket) bucket=${2:?}; shift 2 ;;
    --alarm-email) alarm_email=${2:?}; shift 2 ;;
    --param) params+=("${2:?}"); shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage ;;
    -*) fail "unknown option: $1 (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
if [[ ${#positional[@]} -gt 0 ]]; then
  command=${positional[0]}
  release_name=${positional[1]:-}
fi
case "$command" in
  deploy | releases | refresh) [[ ${#positional[@]} -le 1 ]] || fail "$command takes no argument" ;;
  rollback) [[ ${#positional[@]} -eq 2 ]] || fail "usage: infra/deploy.sh [options] rollback RELEASE-NAME" ;;
  *) fail "unknown command: $command (see --help)" ;;
esac
[[ "$prefix" =~ ^[A-Za-z][A-Za-z0-9-]{0,30}$ ]] || fail "--prefix must be letters, digits and dashes, starting with a letter"
for param in "${params[@]}"; do
  [[ "$param" =~ ^[a-z-]+\.[A-Za-z0-9]+=.*$ ]] || fail "--param wants STACK.KEY=VALUE, got: $param"
  [[ " ${STACKS[*]} artifacts " == *" ${param%%.*} "* ]] || fail "--param names no stack of ours: $param"
done

stack() { printf '%s-%s' "$prefix" "$1"; }

# Every aws call goes through here: --region when one was given, printed instead of run on --dry-run.
aws_cli() {
  local args=("$@")
  [[ -n "$region" ]] && args+=(--region "$region")
  if $dry_run; then
    printf '+ aws'
    for arg in "${args[@]}"; do
      if [[ "$arg" =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]]; then printf ' %s' "$arg"; else printf " '%s'" "${arg//\'/\'\\\'\'}"; fi
    done
    printf '\n'
  else
    aws "${args[@]}"
  fi
}

# A stack output. On --dry-run nothing exists yet, so it stands in a placeholder.
output() {
  local name=$1 key=$2
  if $dry_run; then
    printf '<%s output %s>' "$(stack "$name")" "$key"
    return
  fi
  local value
  value=$(aws_cli cloudformation describe-stacks --stack-name "$(stack "$name")" \
    --query "Stacks[0].Outputs[?OutputKey=='$key'].OutputValue" --output text)
  [[ -n "$value" && "$value" != None ]] || fail "stack $(stack "$name") has no output $key"
  printf '%s' "$value"
}

# `aws cloudformation deploy` of infra/NAME.yaml with the given KEY=VALUE parameters plus any
# --param for this stack. Parameters left out keep their current (or default) values.
deploy_stack() {
  local name=$1
  shift
  local overrides=("$@")
  for param in "${params[@]}"; do
    [[ "${param%%.*}" == "$name" ]] && overrides+=("${param#*.}")
  done
  say "stack $(stack "$name")"
  local args=(cloudformation deploy --stack-name "$(stack "$name")" --template-file "$ROOT/infra/$name.yaml"
    --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset --tags "project=task-manager" "stack-prefix=$prefix")
  [[ ${#overrides[@]} -gt 0 ]] && args+=(--parameter-overrides "${overrides[@]}")
  aws_cli "${args[@]}"
}

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

artifact_bucket() {
  if [[ -n "$bucket" ]]; then
    printf '%s' "$bucket"
  else
    output artifacts ArtifactBucket
  fi
}

# The app stack with a release that is already in the bucket: a new launch template version,
# which CloudFormation rolls out one instance at a time (and rolls back if one fails).
deploy_app() {
  local bucket_name=$1 key=$2 sha256=$3
  deploy_stack app "NetworkStack=$(stack network)" "SecurityStack=$(stack security)" \
    "DatabaseStack=$(stack database)" "LoadBalancerStack=$(stack load-balancer)" \
    "ArtifactBucket=$bucket_name" "ReleaseKey=$key" "ReleaseSha256=$sha256"
}

deploy_all() {
  if [[ -z "$release" ]]; then
    for candidate in "$ROOT"/dist/task-manager-*.tar.gz; do
      if [[ -f "$candidate" && (-z "$release" || "$candidate" -nt "$release") ]]; then release=$candidate; fi
    done
    [[ -n "$release" ]] || fail "no release in dist/: run bun run release first, or pass --release FILE"
  fi
  [[ -f "$release" && -f "$release.sha256" ]] || fail "$release and $release.sha256 must both exist"
  local name sha256
  name=$(basename "$release")
  sha256=$(sha256_of "$release")
  [[ "$(cut -d' ' -f1 "$release.sha256")" == "$sha256" ]] || fail "$release does not match $release.sha256"
  say "release $name (sha256 $sha256)"

  [[ -n "$bucket" ]] || deploy_stack artifacts
  local bucket_name
  bucket_name=$(artifact_bucket)
  aws_cli s3 cp --only-show-errors "$release" "s3://$bucket_name/releases/$name"
  aws_cli s3 cp --only-show-errors "$release.sha256" "s3://$bucket_name/releases/$name.sha256"

  deploy_stack network
  deploy_stack security "NetworkStack=$(stack network)"
  deploy_stack database "NetworkStack=$(stack network)" "SecurityStack=$(stack security)"
  deploy_stack load-balancer "NetworkStack=$(stack network)" "SecurityStack=$(stack security)"
  deploy_app "$bucket_name" "releases/$name" "$sha256"
  local monitoring=("LoadBalancerStack=$(stack load-balancer)" "AppStack=$(stack app)" "DatabaseStack=$(stack database)")
  [[ -n "$alarm_email" ]] && monitoring+=("AlarmEmail=$alarm_email")
  deploy_stack monitoring "${monitoring[@]}"

  printf 'Task Manager is at %s\n' "$(output load-balancer Url)"
}

rollback() {
  [[ "$release_name" =~ ^task-manager-[A-Za-z0-9._-]+$ ]] ||
    fail "rollback needs a release name such as task-manager-0.1.0-abc123def456 (see: infra/deploy.sh releases)"
  local bucket_name key sha256
  bucket_name=$(artifact_bucket)
  key="releases/$release_name.tar.gz"
  # The checksum uploaded with the release, checked again by every instance that fetches it.
  if $dry_run; then
    aws_cli s3 cp "s3://$bucket_name/$key.sha256" -
    sha256="<sha256 from $key.sha256>"
  else
    sha256=$(aws_cli s3 cp "s3://$bucket_name/$key.sha256" - | cut -d' ' -f1)
    [[ "$sha256" =~ ^[0-9a-f]{64}$ ]] || fail "no checksum for $release_name in s3://$bucket_name/releases/"
  fi
  say "rolling back to $release_name"
  deploy_app "$bucket_name" "$key" "$sha256"
  printf 'Task Manager is at %s (release %s)\n' "$(output load-balancer Url)" "$release_name"
}

list_releases() {
  aws_cli s3 ls "s3://$(artifact_bucket)/releases/"
}

# Fresh instances with the same launch template: what an operator reaches for after changing
# something outside the stack that instances read only at boot.
refresh() {
  local group id status
  group=$(output app AutoScalingGroupName)
  # 100-150 %: a new instance joins before an old one leaves, never more than one extra at a time.
  local start=(autoscaling start-instance-refresh --auto-scaling-group-name "$group"
    --preferences '{"MinHealthyPercentage":100,"MaxHealthyPercentage":150,"InstanceWarmup":180}'
    --query InstanceRefreshId --output text)
  if $dry_run; then
    aws_cli "${start[@]}"
    return
  fi
  id=$(aws_cli "${start[@]}")
  say "instance refresh $id started"
  while :; do
    status=$(aws_cli autoscaling describe-instance-refreshes --auto-scaling-group-name "$group" \
      --instance-refresh-ids "$id" --query 'InstanceRefreshes[0].Status' --output text)
    case "$status" in
      Successful) say "instance refresh done"; return ;;
      Failed | Cancelled | RollbackSuccessful | RollbackFailed) fail "instance refresh ended: $status" ;;
      *) sleep 15 ;;
    esac
  done
}

case "$command" in
  deploy) deploy_all ;;
  rollback) rollback ;;
  releases) list_releases ;;
  refresh) refresh ;;
esac
