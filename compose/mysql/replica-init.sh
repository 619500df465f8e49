#!/bin/bash
# compose/mysql/replica-init.sh — run once by the mysql image's entrypoint on an empty data
# directory: follow the primary by GTID auto-positioning, from its first transaction (the
# primary's binary log is complete from its own first start, so no dump is needed for a
# fresh stack). The replica is read-only (compose.yml) and keeps replicating across restarts.
set -euo pipefail
mysql --protocol=socket -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CHANGE REPLICATION SOURCE TO
    SOURCE_HOST = 'mysql',
    SOURCE_PORT = 3306,
    SOURCE_USER = 'replicator',
    SOURCE_PASSWORD = '${MYSQL_REPLICATION_PASSWORD}',
    SOURCE_AUTO_POSITION = 1,
    GET_SOURCE_PUBLIC_KEY = 1,
    SOURCE_CONNECT_RETRY = 5;
START REPLICA;
SQL
