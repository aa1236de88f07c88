#!/usr/bin/env bash
# Prints a PostgreSQL URL for the integration tests, starting a local server if needed.
# Honours STIGMER_TEST_POSTGRES_URL when set. Otherwise installs Debian's postgresql (as root)
# if it is missing, starts the default cluster on 127.0.0.1:5432, and creates the test role and
# database. Progress goes to stderr; only the URL goes to stdout.
set -euo pipefail

if [[ -n "${STIGMER_TEST_POSTGRES_URL:-}" ]]; then
  echo "$STIGMER_TEST_POSTGRES_URL"
  exit 0
fi

ROLE=stigmer
PASSWORD=stigmer
DATABASE=stigmer_test

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
  pg_ctlcluster "$version" main start >&2
fi

psql_admin() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
for _ in $(seq 1 50); do
  psql_admin -c "select 1" >/dev/null 2>&1 && break
  sleep 0.2
done
if [[ -z $(psql_admin -c "select 1 from pg_roles where rolname = '$ROLE'") ]]; then
  psql_admin -c "create role $ROLE login password '$PASSWORD' createdb" >&2
fi
if [[ -z $(psql_admin -c "select 1 from pg_database where datname = '$DATABASE'") ]]; then
  psql_admin -c "create database $DATABASE owner $ROLE" >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE"
