#!/usr/bin/env bash
# Brings a fresh Amazon Linux 2023 instance from nothing to serving: the user data of app.yaml is
# a short header that writes /etc/task-manager/deploy.env, followed by this file verbatim
# (`bun scripts/embed-bootstrap.ts` copies it in; a test fails when the two differ).
#
#   bootstrap.sh               everything below, once, as root, at first boot
#   bootstrap.sh credentials   re-read the database secret; if it changed, rewrite the app's
#                              environment and restart the two app processes one at a time
#                              (a systemd timer runs this every minute: the password may be
#                              rotated, and the app reads it only when it starts)
#   bootstrap.sh liveness      is nginx serving /health/live? After LIVENESS_FAILURES misses in a
#                              row, tell Auto Scaling this instance is unhealthy (a timer runs it)
#
# Each instance runs nginx on port 80 in front of two app processes (127.0.0.1:3001 and :3002):
# Bun uses one core and a t3 has two, and nginx passes a request on to the other process while
# one restarts, so a restart fails no request (tests/drills/failover.test.ts).
set -Eeuo pipefail
# Without this, a command substitution runs without errexit: a failed GetSecretValue inside
# $(render_app_env) would render an empty password, taken for a rotation.
shopt -s inherit_errexit
umask 022

# Overridable only so that tests/infra/user-data.test.ts can run its steps in a temp folder (and
# CFN_SIGNAL, below, with a fake cfn-signal).
CONFIG_DIR=${TASK_MANAGER_CONFIG_DIR:-/etc/task-manager}
DEPLOY_ENV=$CONFIG_DIR/deploy.env
APP_ENV=$CONFIG_DIR/app.env
APP_HOME=/opt/task-manager
PUBLIC_DIR=/srv/task-manager/public
APP_LOG_DIR=/var/log/task-manager
APP_PORTS=(3001 3002)
# The instance's 5 database connections, shared by its two processes (not 5 each: with MaxSize
# instances, plus one during a rolling update, 10 each would near a small RDS class's limit).
declare -A POOL_SIZES=([3001]=3 [3002]=2)
# 6 missed liveness checks 30 s apart: 3 minutes of an instance serving nothing at all.
LIVENESS_FAILURES=6
SELF=/usr/local/sbin/task-manager-bootstrap

# shellcheck source=/dev/null
source "$DEPLOY_ENV"
: "${STACK_NAME:?}" "${REGION:?}" "${SIGNAL_RESOURCE:?}" "${ARTIFACT_BUCKET:?}" "${RELEASE_KEY:?}"
: "${RELEASE_SHA256:?}" "${DB_SECRET_ARN:?}" "${DB_HOST:?}" "${DB_PORT:?}" "${DB_NAME:?}"
: "${VPC_CIDR:?}" "${LOG_GROUP_PREFIX:?}" "${ALLOWED_HOSTS:?}" "${SIGNUP:?}" "${TARGET_GROUP_ARN:?}"
export AWS_DEFAULT_REGION="$REGION" AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=8
export HOME=${HOME:-/root}

log() { printf 'bootstrap: %s\n' "$*" >&2; }

# Tells CloudFormation whether this instance came up (CreationPolicy / rolling update signals).
signal() {
  "${CFN_SIGNAL:-/opt/aws/bin/cfn-signal}" --exit-code "$1" --stack "$STACK_NAME" --resource "$SIGNAL_RESOURCE" \
    --region "$REGION" || log "cfn-signal failed"
}

install_packages() {
  # The repositories are locked to this AMI's release: every instance of a launch template gets
  # the same versions. A newer AMI (resolved from SSM at each stack update) brings newer ones.
  dnf install -y --setopt=install_weak_deps=False \
    nginx amazon-cloudwatch-agent aws-cfn-bootstrap jq logrotate
  id task-manager >/dev/null 2>&1 ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /sbin/nologin task-manager
}

fetch_release() {
  local name tarball
  name=$(basename "$RELEASE_KEY" .tar.gz)
  tarball="$APP_HOME/releases/$name.tar.gz"
  install -d -m 0755 "$APP_HOME/releases"
  for attempt in 1 2 3 4 5; do
    aws s3 cp --only-show-errors "s3://$ARTIFACT_BUCKET/$RELEASE_KEY" "$tarball" && break
    log "download failed (attempt $attempt); retrying"
    sleep $((attempt * 5))
  done
  # The checksum comes from the stack, not from the bucket: a tarball that is not the one
  # deployed never runs.
  echo "$RELEASE_SHA256  $tarball" | sha256sum --check --strict -
  tar -xzf "$tarball" -C "$APP_HOME/releases" --no-same-owner
  ln -sfn "$APP_HOME/releases/$name" "$APP_HOME/current"
  log "release $name verified and unpacked"
}

# The app's environment, with DATABASE_URL built from the app's own database user's secret (never
# the RDS master's; the password is percent-encoded: mysql2 decodes it). Prints it; the caller decides where it goes.
render_app_env() {
  local secret user password
  secret=$(aws secretsmanager get-secret-value --secret-id "$DB_SECRET_ARN" --query SecretString --output text)
  # -e: a secret without a user name or password fails here rather than rendering an empty one.
  user=$(jq -er '.username | strings | select(length > 0) | @uri' <<<"$secret")
  password=$(jq -er '.password | strings | select(length > 0) | @uri' <<<"$secret")
  cat <<EOF
NODE_ENV=production
HOST=127.0.0.1
DATABASE_URL=mysql://$user:$password@$DB_HOST:$DB_PORT/$DB_NAME
DB_TLS=rds
TRUSTED_PROXIES=127.0.0.1
ALLOWED_HOSTS=$ALLOWED_HOSTS
SIGNUP=$SIGNUP
LOG_LEVEL=info
SHUTDOWN_TIMEOUT_MS=25000
DRAIN_DELAY_MS=1000
EOF
}

write_app_env() {
  local fresh
  fresh=$(mktemp "$APP_ENV.XXXXXX")
  render_app_env >"$fresh"
  chmod 0600 "$fresh"
  mv "$fresh" "$APP_ENV"
}

install_nginx() {
  # The release carries nginx.conf and its renderer; the compiled app is also a Bun runtime.
  rm -rf "$PUBLIC_DIR"
  install -d -m 0755 "$PUBLIC_DIR"
  local upstreams=()
  for port in "${APP_PORTS[@]}"; do upstreams+=(--upstream "127.0.0.1:$port"); done
  # Behind CloudFront: the X-Origin-Verify value nginx requires (in the environment, never on a
  # command line), and CloudFront's origin-facing ranges as trusted hops, so that a client's
  # address is the viewer's rather than an edge server's. /metrics stays the VPC's (--scrape-from).
  local origin_secret="" cidrs="" cloudfront=()
  if [[ -n "${ORIGIN_SECRET_ARN:-}" ]]; then
    origin_secret=$(aws secretsmanager get-secret-value --secret-id "$ORIGIN_SECRET_ARN" --query SecretString --output text)
    cidrs=$(aws ec2 get-managed-prefix-list-entries --prefix-list-id "${CLOUDFRONT_PREFIX_LIST:?}" --query 'Entries[].Cidr' --output text)
    [[ -n "$origin_secret" && -n "$cidrs" ]] || { log "origin secret or CloudFront ranges empty"; return 1; }
    for cidr in $cidrs; do cloudfront+=(--real-ip-from "$cidr"); done
  fi
  ORIGIN_SECRET="$origin_secret" BUN_BE_BUN=1 "$APP_HOME/current/task-manager" "$APP_HOME/current/scripts/nginx-config.js" \
    --out /etc/nginx/nginx.conf --public "$PUBLIC_DIR" "${upstreams[@]}" --listen 80 \
    --real-ip-from "$VPC_CIDR" "${cloudfront[@]}" --scrape-from "$VPC_CIDR" --user nginx --log-dir /var/log/nginx \
    --temp-dir /var/lib/nginx/tmp --pid-file /run/nginx.pid
  chmod 0600 /etc/nginx/nginx.conf
  nginx -t
  systemctl enable --now nginx
}

install_app_units() {
  install -d -m 0755 "$APP_LOG_DIR"
  # TimeoutStopSec (35 s) is above the app's own deadline: DRAIN_DELAY_MS 1 s + SHUTDOWN_TIMEOUT_MS 25 s.
  cat >/etc/systemd/system/task-manager@.service <<EOF
[Unit]
Description=Task Manager on 127.0.0.1:%i
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=task-manager
Group=task-manager
EnvironmentFile=$APP_ENV
Environment=PORT=%i
# How the JavaScript engine sizes its heap: for this much memory, not the instance's, and collecting
# when it has grown by 40 % (src/ops/engine-memory.ts).
Environment=BUN_JSC_forceRAMSize=201326592
Environment=BUN_JSC_smallHeapGrowthFactor=1.4
ExecStart=$APP_HOME/current/task-manager
Restart=on-failure
RestartSec=2
KillSignal=SIGTERM
TimeoutStopSec=35
StandardOutput=append:$APP_LOG_DIR/app-%i.log
StandardError=append:$APP_LOG_DIR/app-%i.log
NoNewPrivileges=yes
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=yes
ProtectKernelTunables=yes
ProtectControlGroups=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
LimitNOFILE=65536

[Install]
WantedBy=multi-user.target
EOF
  cat >/etc/systemd/system/task-manager-credentials.service <<EOF
[Unit]
Description=Pick up a rotated Task Manager database password

[Service]
Type=oneshot
ExecStart=$SELF credentials
EOF
  cat >/etc/systemd/system/task-manager-credentials.timer <<'EOF'
[Unit]
Description=Check the Task Manager database secret for a rotation

[Timer]
OnBootSec=1min
OnUnitActiveSec=1min
RandomizedDelaySec=30s

[Install]
WantedBy=timers.target
EOF
  # Liveness, not readiness: a database outage keeps /health/live at 200, so it never recycles the fleet.
  cat >/etc/systemd/system/task-manager-liveness.service <<EOF
[Unit]
Description=Report this instance unhealthy to Auto Scaling when nginx serves nothing

[Service]
Type=oneshot
ExecStart=$SELF liveness
EOF
  cat >/etc/systemd/system/task-manager-liveness.timer <<'EOF'
[Unit]
Description=Check that this instance serves /health/live

[Timer]
OnActiveSec=30s
OnUnitActiveSec=30s
AccuracySec=1s

[Install]
WantedBy=timers.target
EOF
  for port in "${APP_PORTS[@]}"; do
    install -d -m 0755 "/etc/systemd/system/task-manager@$port.service.d"
    printf '[Service]\nEnvironment=DB_POOL_SIZE=%s\n' "${POOL_SIZES[$port]}" \
      >"/etc/systemd/system/task-manager@$port.service.d/pool.conf"
  done
  cat >/etc/logrotate.d/task-manager <<EOF
$APP_LOG_DIR/app-*.log {
  daily
  rotate 3
  compress
  missingok
  notifempty
  copytruncate
}
EOF
  systemctl daemon-reload
  for port in "${APP_PORTS[@]}"; do systemctl enable --now "task-manager@$port"; done
  systemctl enable --now task-manager-credentials.timer
}

install_cloudwatch_agent() {
  local config=/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
  # The app and nginx both write JSON lines; the agent ships them as they are. One entry per app
  # process: with a wildcard the agent would follow only the most recently written file.
  cat >"$config" <<EOF
{
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          { "file_path": "$APP_LOG_DIR/app-3001.log", "log_group_name": "$LOG_GROUP_PREFIX/app", "log_stream_name": "{instance_id}-3001" },
          { "file_path": "$APP_LOG_DIR/app-3002.log", "log_group_name": "$LOG_GROUP_PREFIX/app", "log_stream_name": "{instance_id}-3002" },
          { "file_path": "/var/log/nginx/access.log", "log_group_name": "$LOG_GROUP_PREFIX/nginx-access", "log_stream_name": "{instance_id}" },
          { "file_path": "/var/log/nginx/error.log", "log_group_name": "$LOG_GROUP_PREFIX/nginx-error", "log_stream_name": "{instance_id}" },
          { "file_path": "/var/log/cloud-init-output.log", "log_group_name": "$LOG_GROUP_PREFIX/bootstrap", "log_stream_name": "{instance_id}" }
        ]
      }
    }
  },
  "metrics": {
    "namespace": "CWAgent",
    "append_dimensions": { "AutoScalingGroupName": "\${aws:AutoScalingGroupName}", "InstanceId": "\${aws:InstanceId}" },
    "aggregation_dimensions": [["AutoScalingGroupName"]],
    "metrics_collected": {
      "mem": { "measurement": ["mem_used_percent"] },
      "disk": { "measurement": ["used_percent"], "resources": ["/"] }
    }
  }
}
EOF
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c "file:$config"
}

# Ready on this instance: nginx answers /health with 200, which the app gives only once its
# database answers. (Whether the load balancer agrees is wait_until_target_healthy's question.)
wait_until_healthy() {
  local url=$1
  for _ in $(seq 1 60); do
    if curl -fsS --max-time 3 -o /dev/null "$url"; then return 0; fi
    sleep 5
  done
  log "$url did not answer 200 within 5 minutes"
  return 1
}

# The instance's own id, from the metadata service (IMDSv2: a session token first).
instance_id() {
  local token
  token=$(curl -fsS --max-time 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -fsS --max-time 3 -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id
}

# Healthy in the load balancer's eyes: its own checks (two in a row, 30 s apart) passed, so a rolling
# update retires an old instance only once this one takes requests. 5 minutes (the checks need 1 to
# 1.5): with the packages and the local wait, within the 15 of the CreationPolicy and PauseTime.
wait_until_target_healthy() {
  local id=$1 state=""
  for _ in $(seq 1 30); do
    state=$(aws elbv2 describe-target-health --target-group-arn "$TARGET_GROUP_ARN" --targets "Id=$id" \
      --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text) || state="unknown"
    if [[ "$state" == healthy ]]; then return 0; fi
    sleep 10
  done
  log "the load balancer did not find $id healthy within 5 minutes (last state: $state)"
  return 1
}

# One liveness check (task-manager-liveness.timer): the count of misses in a row lives in /run.
check_liveness() {
  local misses_file=${LIVENESS_STATE:-/run/task-manager-liveness-misses} misses id
  if curl -fsS --max-time 5 -o /dev/null http://127.0.0.1/health/live; then
    echo 0 >"$misses_file"
    return 0
  fi
  misses=$(($(cat "$misses_file" 2>/dev/null || echo 0) + 1))
  echo "$misses" >"$misses_file"
  log "/health/live failed ($misses in a row)"
  if ((misses >= LIVENESS_FAILURES)); then
    log "reporting this instance unhealthy: Auto Scaling replaces it"
    id=$(instance_id)
    aws autoscaling set-instance-health --instance-id "$id" --health-status Unhealthy --should-respect-grace-period
  fi
}

refresh_credentials() {
  local fresh
  fresh=$(render_app_env)
  if [[ -f "$APP_ENV" && "$fresh" == "$(cat "$APP_ENV")" ]]; then return 0; fi
  log "the database secret changed: restarting the app processes one at a time"
  write_app_env
  for port in "${APP_PORTS[@]}"; do
    systemctl restart "task-manager@$port"
    wait_until_healthy "http://127.0.0.1:$port/health"
  done
}

main() {
  install -m 0755 "$0" "$SELF"
  trap 'signal 1' ERR
  install_packages
  fetch_release
  write_app_env
  install_app_units
  install_nginx
  install_cloudwatch_agent
  report_ready
  log "serving $(basename "$RELEASE_KEY" .tar.gz)"
}

# Success is signalled once this instance serves through nginx and the load balancer agrees; from
# then on, the liveness timer watches it.
report_ready() {
  local id
  wait_until_healthy http://127.0.0.1/health
  id=$(instance_id)
  wait_until_target_healthy "$id"
  systemctl enable --now task-manager-liveness.timer
  signal 0
}

# Run, not sourced (tests/infra/user-data.test.ts sources it to run one function against fakes).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  case "${1:-}" in
    credentials) refresh_credentials ;;
    liveness) check_liveness ;;
    *) main ;;
  esac
fi
