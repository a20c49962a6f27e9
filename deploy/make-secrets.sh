#!/bin/sh
# Makes, once, what docker-compose.yml needs and must never be committed: `.env` (passwords and
# tokens, read by `docker compose` for the ${…} in the file) and `secrets/cert-signing-key.pem`
# (the Ed25519 key that signs certificates). Existing files are left as they are.
set -eu
cd "$(dirname "$0")/.."
umask 077

if [ -e .env ]; then
  echo ".env exists: left as it is"
else
  cat > .env <<ENV
JWT_SECRET=$(openssl rand -hex 32)
POSTGRES_PASSWORD=$(openssl rand -hex 24)
CHARTER_OWNER_PASSWORD=$(openssl rand -hex 24)
CHARTER_APP_PASSWORD=$(openssl rand -hex 24)
MINIO_ROOT_PASSWORD=$(openssl rand -hex 24)
CHARTER_S3_SECRET_KEY=$(openssl rand -hex 24)
METRICS_TOKEN=$(openssl rand -hex 32)
PUBLIC_BASE_URL=http://localhost:8080
# Emails as .eml files in the app-data volume; to send them, set SMTP_URL and remove this line.
MAIL_TRANSPORT=files
ENV
  echo "wrote .env"
fi

mkdir -p secrets
key=secrets/cert-signing-key.pem
if [ -e "$key" ]; then
  echo "$key exists: left as it is"
else
  openssl genpkey -algorithm ed25519 -out "$key"
  # The service runs as the image's `node` user (uid 1000), and Compose mounts the file as it is.
  if [ "$(id -u)" = 0 ]; then
    chown 1000:1000 "$key" && chmod 600 "$key"
  else
    chmod 644 "$key"
    echo "note: $key is readable by every user of this machine so that the container can read it;"
    echo "      on a server, run as root: chown 1000:1000 $key && chmod 600 $key"
  fi
  echo "wrote $key"
fi
