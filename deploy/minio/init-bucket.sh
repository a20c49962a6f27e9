#!/bin/sh
# Run by the one-shot `minio-init` service at every `docker compose up`; changes nothing the
# second time. The bucket of the service's files, private, and the service's own access key,
# limited to that bucket (charter-files-policy.json): the instances never hold MinIO's root key.
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing local/charter
mc anonymous set none local/charter
mc admin policy create local charter-files /deploy/minio/charter-files-policy.json
mc admin user add local charter-app "$CHARTER_S3_SECRET_KEY"
# Attaching a policy the user already has is refused as "already in effect": not a failure here.
mc admin policy attach local charter-files --user charter-app 2>/dev/null || true
echo "bucket charter and access key charter-app ready"
