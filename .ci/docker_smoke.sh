#!/usr/bin/env bash
# Builds deploy/Dockerfile and runs the image as production does, on loopback only:
# `migrate`, gunicorn, the pipeline workers and the S3-event consumer, each a container from
# the image, against the host's MariaDB and Redis and a moto server (S3, SQS). A user signs
# up, uploads a corpus photo with the presigned POST and it ends `ready`; a photo dropped
# under incoming/ is imported through the S3 event on SQS; /healthz answers; every
# container stops cleanly (exit 0) within its stop timeout.
#
# Docker here: Debian's docker.io (20.10) with its own daemon, started and stopped by this
# script: no bridge, no iptables, every build and container on --network host, so no
# private address is ever used. The base image is Debian bookworm from debootstrap
# (`docker import`), passed as BASE_IMAGE; the host's CA store goes into the build context
# (deploy/build-ca.crt, git- and image-ignored) for pip behind re-signed TLS, and is removed.
#
# Needs: root, ../shared/corpus, .venv (scripts/test made it), MariaDB on 127.0.0.1:3306
# (root, no password), Redis on 127.0.0.1:6379. Prints how long each phase took.
# IMAGESITE_DOCKER_ROOT keeps images between runs (warm); remove it for a cold run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

DOCKER=/usr/bin/docker              # Debian's client: the `docker` first on PATH has no buildx
RUN_DIR=/run/imagesite-smoke
DATA_ROOT="${IMAGESITE_DOCKER_ROOT:-/var/lib/imagesite-docker}"
export DOCKER_HOST="unix://$RUN_DIR/docker.sock" DOCKER_BUILDKIT=1
BASE_IMAGE=imagesite-base:bookworm
IMAGE=imagesite:smoke
NAME=imagesite-smoke
DB=imagesite_smoke
REDIS_BROKER_DB=6 REDIS_CACHE_DB=5  # databases no test or bench uses (13, 12, 14 are theirs)
BUCKET=imagesite-smoke
PHOTO="$(ls ../shared/corpus/good/*.jpg | head -n 1)"
LOG_DIR="$(mktemp -d)"
START=$SECONDS
PHASE_START=$SECONDS

phase() { printf '\n--- smoke: %s (at %ds, previous phase %ds)\n' "$*" "$((SECONDS - START))" "$((SECONDS - PHASE_START))"; PHASE_START=$SECONDS; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
free_port() { .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_until() {  # wait_until SECONDS WHAT COMMAND...: a condition, polled every second
  local timeout="$1" what="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out after ${timeout}s waiting for $what"
    sleep 1
  done
}
mariadb_root() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -uroot --batch "$@"; }
http_ok() {  # http_ok URL: 2xx, with the Host the site allows (curl may not be installed)
  .venv/bin/python -c 'import sys, urllib.request as u
print(u.urlopen(u.Request(sys.argv[1], headers={"Host": "localhost"}), timeout=5).read().decode())' "$1"
}

DOCKERD_PID="" MOTO_PID=""
cleanup() {
  local rc=$?
  set +e
  if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
    "$DOCKER" ps -aq --filter "name=$NAME" | xargs -r "$DOCKER" rm -f >/dev/null
    kill "$DOCKERD_PID"
    for _ in $(seq 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
    kill -0 "$DOCKERD_PID" 2>/dev/null && kill -9 "$DOCKERD_PID"
  fi
  # containerd-shim, overlay and netns mounts the daemon left behind
  grep -E " ($RUN_DIR|$DATA_ROOT)[/ ]" /proc/mounts | awk '{print $2}' | sort -r \
    | while read -r mount; do umount -l "$mount"; done
  [ -n "$MOTO_PID" ] && kill "$MOTO_PID" 2>/dev/null
  rm -f "$ROOT/deploy/build-ca.crt"
  mariadb_root -e "DROP DATABASE IF EXISTS $DB" 2>/dev/null
  [ "$rc" = 0 ] || { echo "smoke: logs in $LOG_DIR"; tail -n 40 "$LOG_DIR"/*.log 2>/dev/null; }
  exit "$rc"
}
trap cleanup EXIT

[ -n "$PHOTO" ] || fail "no corpus photo under ../shared/corpus/good"
[ -x .venv/bin/python ] || fail ".venv is missing (run scripts/test first)"

# --- Engine --------------------------------------------------------------------------------
phase "Docker engine (Debian's docker.io)"
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || [ ! -x "$DOCKER" ]; then
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq docker.io debootstrap docker-compose \
    >"$LOG_DIR/apt.log" || fail "apt-get install docker.io debootstrap failed"
fi
command -v docker-compose >/dev/null || apt-get -o DPkg::Lock::Timeout=300 install -y -qq docker-compose >>"$LOG_DIR/apt.log"
mkdir -p "$RUN_DIR" "$DATA_ROOT"
dockerd --host "$DOCKER_HOST" --data-root "$DATA_ROOT" --exec-root "$RUN_DIR/exec" \
  --pidfile "$RUN_DIR/docker.pid" --bridge=none --iptables=false --ip-masq=false \
  --ip-forward=false >"$LOG_DIR/dockerd.log" 2>&1 &
DOCKERD_PID=$!
wait_until 120 "the Docker daemon" "$DOCKER" info
"$DOCKER" version --format 'client {{.Client.Version}}, server {{.Server.Version}}'

# --- Compose, by a real parser ---------------------------------------------------------------
phase "deploy/compose.yaml through docker-compose config"
docker-compose -f deploy/compose.yaml config -q || fail "docker-compose rejects deploy/compose.yaml"
echo "docker-compose $(docker-compose version --short) accepts deploy/compose.yaml"

# --- Base image: Debian bookworm from Debian's packages ------------------------------------
phase "Base image $BASE_IMAGE"
if ! "$DOCKER" image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm \
    "$rootfs" http://deb.debian.org/debian >"$LOG_DIR/debootstrap.log" 2>&1 \
    || fail "debootstrap failed (see $LOG_DIR/debootstrap.log)"
  tar -C "$rootfs" -c . | "$DOCKER" import - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  echo "built $BASE_IMAGE with debootstrap"
else
  echo "$BASE_IMAGE is already built (warm)"
fi

# --- The project's image -----------------------------------------------------------------------
phase "docker build -f deploy/Dockerfile"
cp /etc/ssl/certs/ca-certificates.crt deploy/build-ca.crt
"$DOCKER" build --network host --build-arg BASE_IMAGE="$BASE_IMAGE" -f deploy/Dockerfile \
  -t "$IMAGE" . >"$LOG_DIR/build.log" 2>&1 || { tail -n 60 "$LOG_DIR/build.log"; fail "docker build"; }
rm -f deploy/build-ca.crt
"$DOCKER" run --rm --network host "$IMAGE" sh -c '! test -e /src/build-ca.crt && ! grep -rl "BEGIN CERT" /app >/dev/null' \
  || fail "the host's CA store reached the image"
echo "built $IMAGE ($("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"

# --- Services on loopback ------------------------------------------------------------------------
phase "MariaDB, Redis and a moto server on loopback"
mariadb_root -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4" \
  || fail "MariaDB on 127.0.0.1:3306 (root) is needed"
.venv/bin/python -c 'import redis, sys
for db in sys.argv[1:]: redis.Redis(host="127.0.0.1", port=6379, db=int(db)).flushdb()' \
  "$REDIS_BROKER_DB" "$REDIS_CACHE_DB" || fail "Redis on 127.0.0.1:6379 is needed"
MOTO_PORT="$(free_port)" WEB_PORT="$(free_port)"
MOTO="http://127.0.0.1:$MOTO_PORT"
.venv/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$LOG_DIR/moto.log" 2>&1 &
MOTO_PID=$!
export AWS_ACCESS_KEY_ID=smoke AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1
unset AWS_CA_BUNDLE
wait_until 60 "the moto server" http_ok "$MOTO/moto-api/"
QUEUE_URL="$(.venv/bin/python - "$MOTO" "$BUCKET" <<'EOF'
import json, sys
import boto3
endpoint, bucket = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1")
s3.create_bucket(Bucket=bucket)
url = sqs.create_queue(QueueName="imagesite-incoming")["QueueUrl"]
arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
    "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
     "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}}]})
print(url)
EOF
)"

# The task definitions' environment, pointed at loopback (placeholder secrets).
cat >"$LOG_DIR/app.env" <<EOF
DJANGO_SECRET_KEY=smoke-test-only-not-a-secret-0123456789abcdefghijklmnop
DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
DJANGO_CSRF_TRUSTED_ORIGINS=http://127.0.0.1:$WEB_PORT
DJANGO_SECURE=0
DATABASE_URL=mysql://root@127.0.0.1:3306/$DB
DATABASE_CONN_MAX_AGE=60
DRAMATIQ_BROKER_URL=redis://127.0.0.1:6379/$REDIS_BROKER_DB
CACHE_URL=redis://127.0.0.1:6379/$REDIS_CACHE_DB
DRAMATIQ_PROMETHEUS=0
AWS_STORAGE_BUCKET_NAME=$BUCKET
AWS_S3_ENDPOINT_URL=$MOTO
AWS_SQS_ENDPOINT_URL=$MOTO
AWS_S3_ADDRESSING_STYLE=path
AWS_S3_REGION_NAME=us-east-1
AWS_ACCESS_KEY_ID=smoke
AWS_SECRET_ACCESS_KEY=smoke
LABEL_DETECTOR=local
GUNICORN_BIND=127.0.0.1:$WEB_PORT
WEB_CONCURRENCY=2
TRUSTED_PROXY_COUNT=0
EOF
container() {  # container NAME ARGS...: a detached container of the image on the host network
  local name="$1"; shift
  "$DOCKER" run -d --name "$NAME-$name" --network host --env-file "$LOG_DIR/app.env" "$IMAGE" "$@" >/dev/null
}

# --- The processes, as the task definitions run them -------------------------------------------
phase "migrate (the one-off task)"
"$DOCKER" run --rm --network host --env-file "$LOG_DIR/app.env" "$IMAGE" \
  sh -c 'python manage.py check --deploy --fail-level ERROR && python manage.py migrate --noinput' \
  >"$LOG_DIR/migrate.log" 2>&1 || { tail -n 40 "$LOG_DIR/migrate.log"; fail "migrate"; }

phase "web, the thumbnails and labels workers, and the S3-event consumer"
container web                    # the image's default command: gunicorn
# The two worker services of the template, on the same queues (deploy/aws/imagesite.yaml).
container thumbnails python manage.py rundramatiq --processes 1 --threads 2 --queues ingest pipeline
container labels python manage.py rundramatiq --processes 1 --threads 2 --queues labels text
container ingest python manage.py consume_s3_events --queue-url "$QUEUE_URL"
healthy() { http_ok "http://127.0.0.1:$WEB_PORT/healthz"; }
wait_until 180 "/healthz on the web container" healthy
for c in thumbnails labels ingest; do
  [ "$("$DOCKER" inspect -f '{{.State.Running}}' "$NAME-$c")" = true ] || fail "$c exited"
done
echo "gunicorn answers /healthz: $(healthy)"
if "$DOCKER" logs "$NAME-web" 2>&1 | grep -i "control.*socket.*\(denied\|error\)"; then
  fail "gunicorn logs a control-socket error"
fi

phase "a user signs up, uploads with the presigned POST, and an S3 event imports a photo"
.venv/bin/python tests/deploy/smoke_client.py --base "http://127.0.0.1:$WEB_PORT" \
  --s3-endpoint "$MOTO" --bucket "$BUCKET" --photo "$PHOTO" \
  --logs-command "$DOCKER logs $NAME-web" \
  --mysql-command "mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -uroot $DB" \
  || { for c in web thumbnails labels ingest; do "$DOCKER" logs "$NAME-$c" >"$LOG_DIR/$c.log" 2>&1; done; fail "the site did not do its job"; }

# --- Stopping as ECS does: SIGTERM, then the stop timeout --------------------------------------------
phase "containers stop cleanly"
for c in web thumbnails labels ingest; do
  "$DOCKER" logs "$NAME-$c" >"$LOG_DIR/$c.log" 2>&1
  began=$SECONDS
  "$DOCKER" stop -t 90 "$NAME-$c" >/dev/null
  code="$("$DOCKER" inspect -f '{{.State.ExitCode}}' "$NAME-$c")"
  echo "$c stopped in $((SECONDS - began))s, exit $code"
  [ "$code" = 0 ] || { "$DOCKER" logs --tail 30 "$NAME-$c"; fail "$c exited $code on SIGTERM"; }
done

phase "done: the image builds and runs (total $((SECONDS - START))s)"
