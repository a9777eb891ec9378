#!/usr/bin/env bash
# Starts a private ClickHouse server (Debian's clickhouse-server package) with
# its data in DIR, on a free loopback port, for the tests and benchmarks of
# the collector's ClickHouse store. Prints the store URL to give the collector
# (--store) once the server answers; DIR/pid stops it: kill "$(cat DIR/pid)".
# Where openssl is installed, the server also answers over TLS with a
# certificate of a private CA made here: DIR/tls-url holds its
# clickhouses:// URL and DIR/ca.pem the CA to trust (--store-ca).
#   usage: bash scripts/clickhouse.sh DIR
set -euo pipefail
DIR="$(mkdir -p "$1" && cd "$1" && pwd)"
SERVER="$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"
[ -x "$SERVER" ] || { echo "clickhouse-server is not installed (bash scripts/setup.sh --browser installs it)" >&2; exit 1; }
PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
TLS=""
if command -v openssl > /dev/null; then
  TLS_PORT="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  ( cd "$DIR"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=Parcours test CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout ca.key -out ca.pem 2> /dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=localhost" \
      -keyout server.key -out server.csr 2> /dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2> /dev/null )
  TLS="<https_port>$TLS_PORT</https_port>
  <openSSL><server><certificateFile>$DIR/server.crt</certificateFile><privateKeyFile>$DIR/server.key</privateKeyFile>
    <verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile></server></openSSL>"
fi
cat > "$DIR/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>$PORT</http_port>
  $TLS
  <listen_host>127.0.0.1</listen_host>
  <path>$DIR/data/</path>
  <tmp_path>$DIR/tmp/</tmp_path>
  <user_files_path>$DIR/user_files/</user_files_path>
  <format_schema_path>$DIR/format_schemas/</format_schema_path>
  <users_config>$DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
XML
cat > "$DIR/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
"$SERVER" --config-file="$DIR/config.xml" > "$DIR/server.log" 2>&1 &
echo $! > "$DIR/pid"
for _ in $(seq 1 100); do
  if node -e "fetch('http://127.0.0.1:$PORT/?query=SELECT%201').then(r=>r.text()).then(t=>process.exit(t.trim()==='1'?0:1),()=>process.exit(1))"; then
    [ -z "$TLS" ] || echo "clickhouses://localhost:$TLS_PORT" > "$DIR/tls-url"
    echo "clickhouse://127.0.0.1:$PORT"
    exit 0
  fi
  kill -0 "$(cat "$DIR/pid")" 2>/dev/null || break
  sleep 0.2
done
echo "clickhouse-server did not start; its log:" >&2
tail -20 "$DIR/server.log" >&2
exit 1
