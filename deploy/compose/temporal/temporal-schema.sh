#!/bin/sh
# One-shot (service temporal-schema, image temporalio/admin-tools): brings Temporal's two databases to
# the schema this admin-tools version ships. Both steps are idempotent (setup-schema leaves a newer
# version alone, update-schema applies only what is missing), so the job runs on every `up` and
# upgrades the schema when the images are upgraded together.
# The password comes from SQL_PASSWORD, which temporal-sql-tool reads itself.
set -eu

host="${POSTGRES_HOST:?POSTGRES_HOST must be set}"
user="${POSTGRES_USER:?POSTGRES_USER must be set}"
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"
schemas=/etc/temporal/schema/postgresql/v12

sql_tool() {
  temporal-sql-tool --plugin postgres12 --endpoint "$host" --port 5432 --user "$user" "$@"
}

for pair in temporal:temporal visibility:temporal_visibility; do
  store="${pair%%:*}"
  database="${pair#*:}"
  echo "schema of ${database}: ${schemas}/${store}"
  sql_tool --database "$database" setup-schema --version 0.0
  sql_tool --database "$database" update-schema --schema-dir "${schemas}/${store}/versioned"
done
echo "Temporal schemas are up to date"
