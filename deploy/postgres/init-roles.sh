#!/bin/sh
# Run once by the postgres image, on an empty data volume: the two roles of the service and its
# database. charter_owner owns the schema and runs the migrations (MIGRATION_DATABASE_URL);
# charter_app is what the instances run as (DATABASE_URL), and gets from every migration run the
# rights to read and write the records, nothing of the schema, and the journal append-only.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_password="$CHARTER_OWNER_PASSWORD" -v app_password="$CHARTER_APP_PASSWORD" <<'SQL'
CREATE ROLE charter_owner LOGIN PASSWORD :'owner_password';
CREATE ROLE charter_app LOGIN PASSWORD :'app_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE charter OWNER charter_owner;
REVOKE ALL ON DATABASE charter FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE charter TO charter_app;
SQL
