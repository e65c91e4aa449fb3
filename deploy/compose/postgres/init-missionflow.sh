#!/bin/bash
# Runs once, as the cluster's superuser, when missionflow's PostgreSQL container starts on an empty
# volume (docker-entrypoint-initdb.d; it never runs again, so later password changes need ALTER ROLE).
#
# Two roles, because row-level security isolates missions only for a role that is neither a
# superuser nor BYPASSRLS, and a table's owner could switch it off:
#   missionflow_owner  owns the database and its public schema; migrations run as it
#                      (DATABASE_MIGRATION_URL) and grant the application role its data access.
#   missionflow_app    what the API and workers serve requests as (DATABASE_URL). It owns nothing and
#                      is given nothing here but the right to connect: the migrations grant the rest.
#
# The entrypoint sources this file when it is not executable, so it must not change shell options
# that would outlive it; `set -e` is already on there.
set -e

# psql variables (:'name') quote the passwords as SQL literals, whatever characters they hold.
psql --no-psqlrc -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  --set=owner_password="${MISSIONFLOW_OWNER_DB_PASSWORD:?MISSIONFLOW_OWNER_DB_PASSWORD must be set}" \
  --set=app_password="${MISSIONFLOW_APP_DB_PASSWORD:?MISSIONFLOW_APP_DB_PASSWORD must be set}" <<'SQL'
CREATE ROLE missionflow_owner
  LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_password';

CREATE ROLE missionflow_app
  LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';

CREATE DATABASE missionflow OWNER missionflow_owner;

-- By default every role may connect to a new database and create temporary tables in it; here only
-- the owner (implicitly) and the application role may connect.
REVOKE ALL ON DATABASE missionflow FROM PUBLIC;
GRANT CONNECT ON DATABASE missionflow TO missionflow_app;

\connect missionflow
-- PostgreSQL 15 and later already give the public schema to the database owner and deny CREATE on
-- it to PUBLIC; said explicitly so the application role can never create objects of its own.
ALTER SCHEMA public OWNER TO missionflow_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SQL
