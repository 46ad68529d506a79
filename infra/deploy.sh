#!/usr/bin/env bash
# Deploys the Task Manager to AWS: uploads a release tarball and creates or updates the stacks in
# the order their outputs need, each through a change set it shows before executing, streaming the
# stack's events while it waits; then prints the site's URL. See docs/deployment.md.
#
#   infra/deploy.sh [options] [deploy]        upload the release, deploy every stack
#   infra/deploy.sh [options] rollback NAME   put release NAME (already uploaded) back on the
#                                             instances, with the AMI it was deployed with
#   infra/deploy.sh [options] releases        list the uploaded releases
#   infra/deploy.sh [options] refresh         replace the instances with fresh ones, same release
#
# Options:
#   --prefix NAME          stack names are NAME-network, NAME-app, ... (default: task-manager)
#   --region REGION        AWS region (default: the AWS CLI's own configuration)
#   --release FILE         release tarball, with FILE.sha256 beside it (default: the newest in dist/)
#   --bucket NAME          artifact bucket of your own (default: the NAME-artifacts stack makes one)
#   --alarm-email ADDRESS  where alarms are mailed (kept from the last deploy when not given)
#   --domain NAME          the site's name, e.g. tasks.example.com: HTTPS on it (kept when not given)
#   --hosted-zone ID       the Route 53 zone of --domain: certificates validated and alias made there
#   --no-cloudfront        no CloudFront in front of the load balancer (the web ACL goes on the
#                          load balancer instead); --cloudfront turns it back on (the default)
#   --environment NAME     staging, production, ...: production stacks get termination protection
#   --cfn-role ARN         the CloudFormation service role (infra/deploy-roles.yaml) stacks act with
#   --param STACK.KEY=VAL  a template parameter, e.g. --param network.NatGateways=single;
#                          repeatable. Given once, a value stays: later deploys keep each stack's
#                          existing values.
#   --yes                  answer yes to questions (recreating a stack whose creation failed)
#   --dry-run              create each change set, show what it would change, execute nothing
set -euo pipefail
# Without it, a failure inside $(...) is ignored and the deploy goes on with what it printed.
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACKS=(network security database edge load-balancer app monitoring)
# CloudFront takes certificates and web ACLs from this region only.
CLOUDFRONT_REGION=us-east-1
CLOUDFRONT_PREFIX_LIST=com.amazonaws.global.cloudfront.origin-facing
POLL_SECONDS=${DEPLOY_POLL_SECONDS:-10}

prefix=task-manager
region=""
release=""
bucket=""
alarm_email=""
domain=""
domain_given=false
hosted_zone=""
hosted_zone_given=false
cloudfront=""
environment=""
cfn_role=""
assume_yes=false
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
    --domain) domain=${2?}; domain_given=true; shift 2 ;;
    --hosted-zone) hosted_zone=${2?}; hosted_zone_given=true; shift 2 ;;
    --cloudfront) cloudfront=true; shift ;;
    --no-cloudfront) cloudfront=false; shift ;;
    --environment) environment=${2:?}; shift 2 ;;
    --cfn-role) cfn_role=${2:?}; shift 2 ;;
    --param) params+=("${2:?}"); shift 2 ;;
    --yes) assume_yes=true; shift ;;
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
[[ -z "$domain" || "$domain" =~ ^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$ ]] || fail "--domain must be a lower-case DNS name such as tasks.example.com"
for param in "${params[@]}"; do
  [[ "$param" =~ ^[a-z-]+\.[A-Za-z0-9]+=.*$ ]] || fail "--param wants STACK.KEY=VALUE, got: $param"
  [[ " ${STACKS[*]} artifacts " == *" ${param%%.*} "* ]] || fail "--param names no stack of ours: $param"
done

stack() { printf '%s-%s' "$prefix" "$1"; }

# Every aws call goes through here, in the stack's region: --region when one was given (or the
# edge stack's us-east-1 through AWS_CALL_REGION).
aws_cli() {
  local args=("$@") call_region=${AWS_CALL_REGION:-$region}
  [[ -n "$call_region" ]] && args+=(--region "$call_region")
  aws "${args[@]}"
}

# A call that changes something: printed instead of run on --dry-run.
mutate() {
  if $dry_run; then
    printf '+ aws'
    for arg in "$@"; do
      if [[ "$arg" =~ ^[A-Za-z0-9@%+=:,./_-]+$ ]]; then printf ' %s' "$arg"; else printf " '%s'" "${arg//\'/\'\\\'\'}"; fi
    done
    printf '\n'
  else
    aws_cli "$@"
  fi
}

# The region a stack lives in: the edge stack's follows CloudFront.
stack_region() {
  if [[ "$1" == edge && "$(cloudfront_on)" == true ]]; then printf '%s' "$CLOUDFRONT_REGION"; else printf '%s' "$region"; fi
}
in_region() {
  local name=$1
  shift
  AWS_CALL_REGION=$(stack_region "$name") "$@"
}

# The stack's status, or NONE when it does not exist (any other error stops the deploy).
stack_status() {
  local out
  if out=$(in_region "$1" aws_cli cloudformation describe-stacks --stack-name "$(stack "$1")" \
    --query 'Stacks[0].StackStatus' --output text 2>&1); then
    printf '%s' "$out"
  elif [[ "$out" == *"does not exist"* ]]; then
    printf 'NONE'
  else
    fail "describe-stacks $(stack "$1"): $out"
  fi
}

# One field of describe-stacks (a --query), empty when the stack or the field does not exist.
stack_field() {
  local name=$1 query=$2 out
  if out=$(in_region "$name" aws_cli cloudformation describe-stacks --stack-name "$(stack "$name")" \
    --query "$query" --output text 2>&1); then
    [[ "$out" == None ]] || printf '%s' "$out"
  elif [[ "$out" != *"does not exist"* ]]; then
    fail "describe-stacks $(stack "$name"): $out"
  fi
}

# A stack output; empty when the stack or the output does not exist.
output_or_empty() {
  stack_field "$1" "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue"
}

# A stack output that must exist; on --dry-run a stack not created yet stands in a placeholder.
output() {
  local value
  value=$(output_or_empty "$1" "$2")
  if [[ -z "$value" ]]; then
    $dry_run && { printf '<%s output %s>' "$(stack "$1")" "$2"; return; }
    fail "stack $(stack "$1") has no output $2"
  fi
  printf '%s' "$value"
}

# A parameter's current value in a deployed stack (empty when there is none).
current_parameter() {
  stack_field "$1" "Stacks[0].Parameters[?ParameterKey=='$2'].ParameterValue"
}

# The parameter names a template declares (the keys under its top-level Parameters:).
template_parameters() {
  awk '/^Parameters:/ { inside = 1; next } /^[A-Za-z]/ { inside = 0 }
    inside && /^  [A-Za-z0-9]+:/ { sub(/^  /, ""); sub(/:.*/, ""); print }' "$1"
}

# yes/no from the operator (--yes answers yes; no answer, as in CI without --yes, is no).
confirm() {
  $assume_yes && return 0
  local answer=""
  printf 'deploy: %s [y/N] ' "$1" >&2
  read -r answer || true
  [[ "$answer" =~ ^[Yy]([Ee][Ss])?$ ]]
}

# Prints the stack's events newer than the newest one seen so far (kept in $events_seen), oldest first.
events_seen=""
stream_events() {
  local name=$1 lines line id fresh=()
  lines=$(in_region "$name" aws_cli cloudformation describe-stack-events --stack-name "$(stack "$name")" \
    --max-items 50 --query 'StackEvents[].[EventId,Timestamp,ResourceStatus,LogicalResourceId,ResourceStatusReason]' \
    --output text 2>/dev/null) || return 0
  while IFS= read -r line; do
    id=${line%%$'\t'*}
    [[ "$id" == "$events_seen" ]] && break
    [[ "$id" == NEXTTOKEN ]] && continue
    [[ "$line" == *$'\t'* ]] && fresh+=("$line")
  done <<<"$lines"
  [[ ${#fresh[@]} -gt 0 ]] || return 0
  events_seen=${fresh[0]%%$'\t'*}
  local i fields
  for ((i = ${#fresh[@]} - 1; i >= 0; i--)); do
    IFS=$'\t' read -r -a fields <<<"${fresh[i]}"
    printf '  %s  %-28s %-32s %s\n' "${fields[1]:0:19}" "${fields[2]}" "${fields[3]}" "${fields[4]:-}" | sed 's/ *None$//' >&2
  done
}

# The newest event's id: what stream_events starts after.
mark_events() {
  events_seen=""
  stream_events "$1" 2>/dev/null
}

# Waits for the stack to leave *_IN_PROGRESS, streaming its events; fails unless it ends well.
wait_for_stack() {
  local name=$1 status
  # The status first: the events read after it include every event up to that status.
  while :; do
    status=$(stack_status "$name")
    stream_events "$name"
    [[ "$status" == *_IN_PROGRESS ]] || break
    sleep "$POLL_SECONDS"
  done
  case "$status" in
    CREATE_COMPLETE | UPDATE_COMPLETE | IMPORT_COMPLETE | DELETE_COMPLETE | NONE) say "stack $(stack "$name"): ${status/NONE/DELETE_COMPLETE}" ;;
    *) fail "stack $(stack "$name") ended $status (its events are above; docs/troubleshooting.md, \"AWS\")" ;;
  esac
}

# A stack whose first creation failed stays in ROLLBACK_COMPLETE and can only be deleted: offer to.
delete_failed_creation() {
  local name=$1
  confirm "delete $(stack "$name") and create it again?" || fail "left $(stack "$name") as it is; delete it yourself or answer yes"
  mark_events "$name"
  in_region "$name" aws_cli cloudformation delete-stack --stack-name "$(stack "$name")"
  wait_for_stack "$name"
}

# --parameters for create-change-set: the given KEY=VALUE pairs and every --param for the stack;
# parameters of the template not given keep their current value (UsePreviousValue) on an update.
change_set_parameters() {
  local name=$1 type=$2
  shift 2
  local given=("$@") key value out=() declared existing=""
  for param in "${params[@]}"; do
    [[ "${param%%.*}" == "$name" ]] && given+=("${param#*.}")
  done
  declared=" $(template_parameters "$ROOT/infra/$name.yaml" | tr '\n' ' ') "
  for pair in "${given[@]}"; do
    key=${pair%%=*} value=${pair#*=}
    [[ "$declared" == *" $key "* ]] || fail "infra/$name.yaml has no parameter $key"
    out+=("ParameterKey=$key,ParameterValue=${value//,/\\,}")
  done
  # A parameter the deployed stack has keeps its value; one new to the template takes its default.
  if [[ "$type" == UPDATE ]]; then
    existing=" $(stack_field "$name" 'Stacks[0].Parameters[].ParameterKey' | tr '\t\n' '  ') "
    for key in $declared; do
      [[ " ${given[*]%%=*} " == *" $key "* || "$existing" != *" $key "* ]] || out+=("ParameterKey=$key,UsePreviousValue=true")
    done
  fi
  [[ ${#out[@]} -eq 0 ]] || printf '%s\n' "${out[@]}"
}

# What the change set would do, resource by resource, with each property's value before and after.
show_change_set() {
  local name=$1 change_set=$2
  say "changes to $(stack "$name"):"
  in_region "$name" aws_cli cloudformation describe-change-set --stack-name "$(stack "$name")" \
    --change-set-name "$change_set" --include-property-values --output yaml \
    --query 'Changes[].ResourceChange.{Action: Action, Resource: LogicalResourceId, Type: ResourceType, Replacement: Replacement, Properties: Details[].{Property: Target.Name || Target.Attribute, Before: Target.BeforeValue, After: Target.AfterValue}}'
}

# Creates the change set and waits for it: prints CHANGES, NO_CHANGES or FAILED <reason>.
create_change_set() {
  local name=$1 type=$2 change_set=$3
  shift 3
  local args=(cloudformation create-change-set --stack-name "$(stack "$name")" --change-set-name "$change_set"
    --change-set-type "$type" --template-body "file://$ROOT/infra/$name.yaml"
    --capabilities CAPABILITY_IAM --tags "Key=project,Value=task-manager" "Key=stack-prefix,Value=$prefix")
  local listed parameters=()
  listed=$(change_set_parameters "$name" "$type" "$@")
  [[ -n "$listed" ]] && mapfile -t parameters <<<"$listed"
  [[ ${#parameters[@]} -gt 0 ]] && args+=(--parameters "${parameters[@]}")
  [[ -n "$cfn_role" ]] && args+=(--role-arn "$cfn_role")
  in_region "$name" aws_cli "${args[@]}" >/dev/null
  local line status reason
  while :; do
    line=$(in_region "$name" aws_cli cloudformation describe-change-set --stack-name "$(stack "$name")" \
      --change-set-name "$change_set" --query '[Status,StatusReason]' --output text)
    status=${line%%$'\t'*} reason=${line#*$'\t'}
    case "$status" in
      CREATE_COMPLETE) echo CHANGES; return ;;
      FAILED)
        if [[ "$reason" == *"didn't contain changes"* || "$reason" == *"No updates are to be performed"* ]]; then echo NO_CHANGES; else echo "FAILED $reason"; fi
        return ;;
      *) sleep "$POLL_SECONDS" ;;
    esac
  done
}

drop_change_set() {
  local name=$1 change_set=$2 type=$3
  in_region "$name" aws_cli cloudformation delete-change-set --stack-name "$(stack "$name")" --change-set-name "$change_set"
  # A change set for a stack that did not exist made it, empty (REVIEW_IN_PROGRESS): remove it too.
  if [[ "$type" == CREATE && "$(stack_status "$name")" == REVIEW_IN_PROGRESS ]]; then
    in_region "$name" aws_cli cloudformation delete-stack --stack-name "$(stack "$name")"
  fi
}

# infra/NAME.yaml through a change set: shown, then executed (not on --dry-run), events streamed.
deploy_stack() {
  local name=$1
  shift
  say "stack $(stack "$name")$([[ -n "$(stack_region "$name")" ]] && printf ' (%s)' "$(stack_region "$name")")"
  local status type change_set result
  status=$(stack_status "$name")
  if [[ "$status" == ROLLBACK_COMPLETE ]]; then
    say "stack $(stack "$name") is in ROLLBACK_COMPLETE: its first creation failed, and it can only be deleted and created again"
    if $dry_run; then
      say "(dry run: it would be deleted and created again, after asking)"
      return
    fi
    delete_failed_creation "$name"
    status=NONE
  fi
  case "$status" in
    NONE | REVIEW_IN_PROGRESS) type=CREATE ;;
    *_IN_PROGRESS) fail "stack $(stack "$name") is busy ($status); wait for it and deploy again" ;;
    *_FAILED) fail "stack $(stack "$name") is $status: see docs/troubleshooting.md, \"AWS\"" ;;
    *) type=UPDATE ;;
  esac
  change_set="deploy-$(date -u +%Y%m%d%H%M%S)"
  result=$(create_change_set "$name" "$type" "$change_set" "$@")
  case "$result" in
    NO_CHANGES) say "no changes"; drop_change_set "$name" "$change_set" UPDATE; return ;;
    FAILED*)
      $dry_run || fail "change set for $(stack "$name") failed: ${result#FAILED }"
      say "the change set cannot be made yet: ${result#FAILED }"
      drop_change_set "$name" "$change_set" "$type"
      return ;;
  esac
  show_change_set "$name" "$change_set"
  if $dry_run; then
    drop_change_set "$name" "$change_set" "$type"
    return
  fi
  mark_events "$name"
  in_region "$name" aws_cli cloudformation execute-change-set --stack-name "$(stack "$name")" --change-set-name "$change_set"
  wait_for_stack "$name"
  protect "$name"
}

# Production stacks cannot be deleted by a slip: delete-stack is refused until protection is off.
protect() {
  [[ "$environment" == production ]] || return 0
  in_region "$1" aws_cli cloudformation update-termination-protection --enable-termination-protection \
    --stack-name "$(stack "$1")" >/dev/null
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

# --- the edge: domain, certificates, CloudFront, the web ACL ---

# The domain, zone and CloudFront switch: as given, else as the load balancer stack has them.
resolve_edge() {
  $domain_given || domain=$(current_parameter load-balancer DomainName)
  $hosted_zone_given || hosted_zone=$(current_parameter load-balancer HostedZoneId)
  [[ -n "$cloudfront" ]] || cloudfront=$(current_parameter load-balancer CloudFront)
  [[ -n "$cloudfront" ]] || cloudfront=true
}
cloudfront_on() { [[ -n "$domain" && "$cloudfront" == true ]] && echo true || echo false; }

warn_plain_http() {
  [[ -z "$domain" ]] || return 0
  cat >&2 <<'EOF'
deploy: ************************************************************************************
deploy: WARNING: no --domain, so the site is PLAIN HTTP on the load balancer's own name.
deploy: Passwords, session cookies and API tokens cross the internet unencrypted, and there is
deploy: no CloudFront and no HTTPS. Fine for a first look; never for real accounts. Deploy again
deploy: with --domain tasks.example.com --hosted-zone Z... for HTTPS (docs/deployment.md).
deploy: ************************************************************************************
EOF
}

cloudfront_prefix_list() {
  [[ "$(cloudfront_on)" == true ]] || return 0
  local id
  id=$(aws_cli ec2 describe-managed-prefix-lists --filters "Name=prefix-list-name,Values=$CLOUDFRONT_PREFIX_LIST" \
    --query 'PrefixLists[0].PrefixListId' --output text)
  [[ "$id" =~ ^pl-[0-9a-f]+$ ]] || fail "no managed prefix list $CLOUDFRONT_PREFIX_LIST in this region"
  printf '%s' "$id"
}

# The region of the web ACL's metrics, for the dashboard.
waf_region() {
  if [[ "$(cloudfront_on)" == true ]]; then
    printf '%s' "$CLOUDFRONT_REGION"
  else
    printf '%s' "${region:-$(aws configure get region || true)}"
  fi
}

deploy_edge() {
  local scope=REGIONAL
  [[ "$(cloudfront_on)" == true ]] && scope=CLOUDFRONT
  deploy_stack edge "Scope=$scope" "DomainName=$domain" "HostedZoneId=$hosted_zone"
}

deploy_load_balancer() {
  local overrides=("NetworkStack=$(stack network)" "SecurityStack=$(stack security)" "DomainName=$domain"
    "HostedZoneId=$hosted_zone" "CloudFront=$cloudfront" "WebAclArn=$(output edge WebAclArn)")
  local certificate
  certificate=$(output_or_empty edge CertificateArn)
  [[ -n "$certificate" ]] && overrides+=("CloudFrontCertificateArn=$certificate")
  deploy_stack load-balancer "${overrides[@]}"
}

# --- releases and their AMIs ---

# The AMI recorded with a release (releases/NAME.tar.gz.image-id), empty when none was.
recorded_image() {
  local bucket_name=$1 key=$2 image
  image=$(aws_cli s3 cp "s3://$bucket_name/$key.image-id" - 2>/dev/null || true)
  [[ "$image" =~ ^ami-[0-9a-f]+$ ]] && printf '%s' "$image"
  return 0
}

# Records the AMI the instances now run with the release, so that a rollback restores both.
record_image() {
  local bucket_name=$1 key=$2 image
  $dry_run && { mutate s3 cp - "s3://$bucket_name/$key.image-id"; return; }
  image=$(output app ImageId)
  printf '%s\n' "$image" | aws_cli s3 cp --only-show-errors - "s3://$bucket_name/$key.image-id"
  say "release runs on $image (recorded with it)"
}

# The app stack with a release that is already in the bucket, on the AMI recorded with it (empty
# for a new release: the latest Amazon Linux, which is then recorded).
deploy_app() {
  local bucket_name=$1 key=$2 sha256=$3 image=$4
  local overrides=("NetworkStack=$(stack network)" "SecurityStack=$(stack security)"
    "DatabaseStack=$(stack database)" "LoadBalancerStack=$(stack load-balancer)"
    "ArtifactBucket=$bucket_name" "ReleaseKey=$key" "ReleaseSha256=$sha256" "ImageId=$image")
  [[ -n "$domain" ]] && overrides+=("DomainName=$domain")
  overrides+=("OriginSecretArn=$(output_or_empty load-balancer OriginSecretArn)" "CloudFrontPrefixListId=$prefix_list")
  deploy_stack app "${overrides[@]}"
  record_image "$bucket_name" "$key"
}

find_release() {
  if [[ -z "$release" ]]; then
    for candidate in "$ROOT"/dist/task-manager-*.tar.gz; do
      if [[ -f "$candidate" && (-z "$release" || "$candidate" -nt "$release") ]]; then release=$candidate; fi
    done
    [[ -n "$release" ]] || fail "no release in dist/: run bun run release first, or pass --release FILE"
  fi
  [[ -f "$release" && -f "$release.sha256" ]] || fail "$release and $release.sha256 must both exist"
}

prefix_list=""
# The app's own database user (docs/deployment.md, "The app's database user"): the database
# stack's one-time ECS task creates it, or resets its password from its secret, before the app
# stack's instances sign in as it. Idempotent, about a minute, so every deploy runs it.
create_database_user() {
  local cluster definition network task_arn code
  cluster=$(output database DatabaseUsersCluster)
  definition=$(output database DatabaseUsersTaskDefinition)
  network="awsvpcConfiguration={subnets=[$(output network PrivateSubnet1),$(output network PrivateSubnet2)]"
  network+=",securityGroups=[$(output security InstanceSecurityGroup)],assignPublicIp=DISABLED}"
  local run=(ecs run-task --cluster "$cluster" --task-definition "$definition" --launch-type FARGATE
    --network-configuration "$network" --query 'tasks[0].taskArn' --output text)
  if $dry_run; then
    mutate "${run[@]}"
    return
  fi
  say "creating the app's database user (the database stack's one-time task)"
  task_arn=$(aws_cli "${run[@]}")
  [[ -n "$task_arn" && "$task_arn" != None ]] || fail "ecs run-task started no task for the database user"
  aws_cli ecs wait tasks-stopped --cluster "$cluster" --tasks "$task_arn"
  code=$(aws_cli ecs describe-tasks --cluster "$cluster" --tasks "$task_arn" \
    --query 'tasks[0].containers[0].exitCode' --output text)
  [[ "$code" == 0 ]] ||
    fail "the database user task ended with exit code $code: see its log, /task-manager/$(stack database)/database-users"
}

deploy_all() {
  find_release
  local name sha256
  name=$(basename "$release")
  sha256=$(sha256_of "$release")
  [[ "$(cut -d' ' -f1 "$release.sha256")" == "$sha256" ]] || fail "$release does not match $release.sha256"
  say "release $name (sha256 $sha256)"
  resolve_edge
  warn_plain_http

  if [[ -z "$bucket" ]]; then deploy_stack artifacts; fi
  local bucket_name key
  bucket_name=$(artifact_bucket)
  key="releases/$name"
  mutate s3 cp --only-show-errors "$release" "s3://$bucket_name/$key"
  mutate s3 cp --only-show-errors "$release.sha256" "s3://$bucket_name/$key.sha256"

  prefix_list=$(cloudfront_prefix_list)
  deploy_stack network
  deploy_stack security "NetworkStack=$(stack network)" "CloudFrontPrefixListId=$prefix_list"
  deploy_stack database "NetworkStack=$(stack network)" "SecurityStack=$(stack security)"
  create_database_user
  deploy_edge
  deploy_load_balancer
  deploy_app "$bucket_name" "$key" "$sha256" "$(recorded_image "$bucket_name" "$key")"
  local monitoring=("LoadBalancerStack=$(stack load-balancer)" "AppStack=$(stack app)" "DatabaseStack=$(stack database)"
    "WebAclName=$(output edge WebAclName)" "WebAclRegion=$(waf_region)")
  [[ -n "$alarm_email" ]] && monitoring+=("AlarmEmail=$alarm_email")
  deploy_stack monitoring "${monitoring[@]}"

  warn_plain_http
  printf 'Task Manager is at %s\n' "$(output load-balancer Url)"
}

rollback() {
  [[ "$release_name" =~ ^task-manager-[A-Za-z0-9._-]+$ ]] ||
    fail "rollback needs a release name such as task-manager-0.1.0-abc123def456 (see: infra/deploy.sh releases)"
  local bucket_name key sha256 image
  bucket_name=$(artifact_bucket)
  key="releases/$release_name.tar.gz"
  # The checksum uploaded with the release, checked again by every instance that fetches it.
  sha256=$(aws_cli s3 cp "s3://$bucket_name/$key.sha256" - | cut -d' ' -f1)
  [[ "$sha256" =~ ^[0-9a-f]{64}$ ]] || fail "no checksum for $release_name in s3://$bucket_name/releases/"
  image=$(recorded_image "$bucket_name" "$key")
  if [[ -n "$image" ]]; then
    say "rolling back to $release_name on $image, the AMI it ran on"
  else
    image=$(output app ImageId)
    say "rolling back to $release_name; no AMI was recorded with it (deployed before AMIs were), so the instances keep $image"
  fi
  resolve_edge
  prefix_list=$(current_parameter app CloudFrontPrefixListId)
  deploy_app "$bucket_name" "$key" "$sha256" "$image"
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
    mutate "${start[@]}"
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
