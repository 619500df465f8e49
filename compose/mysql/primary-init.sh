#!/bin/bash
# compose/mysql/primary-init.sh — run once by the mysql image's entrypoint on an empty data
# directory: the account the replica follows the primary with. Its password comes from the
# environment (compose/.env), never from this file.
set -euo pipefail
mysql --protocol=socket -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE USER IF NOT EXISTS 'replicator'@'%' IDENTIFIED BY '${MYSQL_REPLICATION_PASSWORD}';
GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';
SQL
