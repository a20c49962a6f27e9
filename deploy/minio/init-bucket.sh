#!/bin/sh
# Run by the one-shot `minio-init` service at every `docker compose up`; changes nothing the
# second time. The bucket of the service's files, private, and the service's own access key,
# limited to that bucket (charter-files-policy.json): the instances never hold MinIO's root key.
# Any step that fails stops here with a line saying which, and exits non-zero: the instances wait
# for this container to exit 0, so they never start on a half-configured bucket.
set -eu

fail() {
  echo "minio-init: $1" >&2
  echo "minio-init: failed; the instances do not start until it succeeds" >&2
  exit 1
}

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null ||
  fail 'cannot reach MinIO at http://minio:9000 with MINIO_ROOT_USER and MINIO_ROOT_PASSWORD'
mc mb --ignore-existing local/charter || fail 'cannot create the bucket charter'
mc anonymous set none local/charter || fail 'cannot make the bucket charter private'
mc admin policy create local charter-files /deploy/minio/charter-files-policy.json ||
  fail 'cannot create the policy charter-files from deploy/minio/charter-files-policy.json'
mc admin user add local charter-app "$CHARTER_S3_SECRET_KEY" ||
  fail 'cannot create the access key charter-app (CHARTER_S3_SECRET_KEY)'

# Attaching a policy the user already has is refused ("already in effect"): that alone is fine.
if ! attached=$(mc admin policy attach local charter-files --user charter-app 2>&1); then
  case "$attached" in
    *'already in effect'* | *'no net effect'*) ;;
    *) fail "cannot attach the policy charter-files to charter-app: $attached" ;;
  esac
fi

# What the instances will do first, with their own key: list the bucket (their HeadBucket at
# start needs the same s3:ListBucket).
mc alias set service http://minio:9000 charter-app "$CHARTER_S3_SECRET_KEY" --api S3v4 >/dev/null ||
  fail 'cannot set up the access key charter-app'
mc ls service/charter >/dev/null ||
  fail 'the access key charter-app cannot list the bucket charter: check charter-files-policy.json'
echo "bucket charter and access key charter-app ready"
