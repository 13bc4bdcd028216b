#!/usr/bin/env bash
# Start the Debian PostgreSQL cluster for the test run and print a database URL for it.
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$ver main"; then
  pg_createcluster "$ver" main >/dev/null
fi
pg_ctlcluster "$ver" main start >/dev/null 2>&1 || true  # stdout carries only the URL
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"{print $3}')" && break
  sleep 1
done
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"{print $3}')
su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_roles WHERE rolname='interviewer'\" | grep -q 1 || psql -q -p $port -c \"CREATE ROLE interviewer LOGIN SUPERUSER PASSWORD 'interviewer'\"" >/dev/null
su postgres -c "psql -q -p $port -tc \"SELECT 1 FROM pg_database WHERE datname='interviewer_test'\" | grep -q 1 || createdb -p $port -O interviewer interviewer_test" >/dev/null
echo "postgresql+psycopg://interviewer:interviewer@127.0.0.1:$port/interviewer_test"
