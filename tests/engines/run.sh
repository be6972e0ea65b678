#!/usr/bin/env bash
# Starts one real search engine on a free loopback port for searchward's tests and benchmarks:
#   tests/engines/run.sh opensearch|solr|solrcloud
# Builds the launchers first when needed (Maven; dependencies cached in ~/.m2), then prints one
# line `listening http://127.0.0.1:PORT` on stdout once the engine answers HTTP, and runs until
# SIGTERM, when it stops the engine, removes its temporary data and exits 0. Engine logs go to
# stderr. JAVA_OPTS adds JVM options (default: a 1 GiB heap).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
engine="${1:-}"
case "$engine" in
  opensearch) module=opensearch main=searchward.engines.OpenSearchLauncher ;;
  solr) module=solr main=searchward.engines.SolrLauncher ;;
  solrcloud) module=solr main=searchward.engines.SolrCloudLauncher ;;
  *) echo "usage: $0 opensearch|solr|solrcloud" >&2; exit 2 ;;
esac

# Rebuild when any source or POM is newer than the module's classpath file.
stamp="$here/$module/target/classpath.txt"
if [ ! -f "$stamp" ] || [ -n "$(find "$here/pom.xml" "$here/$module" -newer "$stamp" \
    \( -name '*.java' -o -name '*.xml' -o -name '*.properties' \) -not -path '*/target/*' -print -quit)" ]; then
  mvn -q -B -f "$here/pom.xml" -pl "$module" -am compile >&2
  touch "$stamp"
fi

# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xms256m -Xmx1g} -XX:+UseSerialGC -Djava.awt.headless=true \
  -cp "$here/$module/target/classes:$(cat "$stamp")" "$main" "${@:2}"
