#!/bin/bash
# The rest of ./poc (see its comment), run by it with the tree's directory first: the jar built
# when missing or older than the sources, the JVM and its start-up cache picked, a CLI server
# started when the front found none, and the command run in a JVM.
set -euo pipefail
here=$1
shift
front=$here/poc-core/target/poc-front
jar=$here/poc-examples/target/poc.jar
if [[ ! -f $jar ]] || [[ -n $(find "$here/pom.xml" "$here"/poc-*/pom.xml "$here"/poc-*/src/main \
    -newer "$jar" -print -quit 2>/dev/null) ]]; then
  echo "poc: building $jar (mvn package) ..." >&2
  if ! mvn -q -f "$here/pom.xml" -pl poc-examples -am package -DskipTests >&2; then
    echo "poc: the build failed: see the output above, or run: mvn -f $here/pom.xml -pl poc-examples -am package" >&2
    exit 125
  fi
fi

java_bin=${POC_JAVA:-}
if [[ -z $java_bin && -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
  java_bin=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
fi
if ! command -v "${java_bin:-java}" >/dev/null; then
  echo "poc: no Java found (${java_bin:-java}): apt-get install openjdk-17-jre-headless, or name a JDK with POC_JAVA" >&2
  exit 125
fi
java_bin=$(readlink -f "$(command -v "${java_bin:-java}")")
version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "${java_bin%/bin/java}/release" 2>/dev/null || true)
version=${version:-0}

# jnr's reflective invokers instead of classes generated at each start: a short-lived CLI calls
# few native functions, and generating their stubs cost it more than calling them slowly does.
opts=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djnr.ffi.asm.enabled=false)
if ((version >= 25)); then
  kind="AOT cache"
  ext=aot
  opts+=(--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED -Xlog:aot=off -Xlog:cds=off)
else
  kind="CDS archive"
  ext=jsa
  opts+=(-Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off)
fi
cache_dir=$here/poc-examples/target/startup-cache
build=$(stat -c '%s-%Y' "$jar")
cache=$cache_dir/poc-$build-java$version.$ext

# Records the cache for this jar and JVM in the background, in a session of its own (a Ctrl+C at
# the command that started it does not reach it), unless one is being recorded or this one failed.
train() {
  mkdir -p "$cache_dir"
  [[ -f $cache.failed ]] && return 0
  find "$cache_dir" -maxdepth 1 -name training.lock -mmin +10 -exec rmdir {} + 2>/dev/null || true
  mkdir "$cache_dir/training.lock" 2>/dev/null || return 0 # another is recording it: not an error (set -e)
  local record
  if ((version >= 25)); then record=-XX:AOTCacheOutput=$cache.tmp; else record=-XX:ArchiveClassesAtExit=$cache.tmp; fi
  setsid -f bash -c '
    cache=$1 lock=$2 dir=$3 build=$4; shift 4
    if nice -n 10 "$@"; then
      mv "$cache.tmp" "$cache" && find "$dir" -maxdepth 1 -name "poc-*" ! -name "poc-$build-*" -delete
    else
      touch "$cache.failed"; rm -f "$cache.tmp"
    fi
    rmdir "$lock"' _ "$cache" "$cache_dir/training.lock" "$cache_dir" "$build" \
    "$java_bin" "${opts[@]}" "$record" -jar "$jar" __startup-training "poc-startup-$$" \
    </dev/null >"$cache_dir/training.log" 2>&1
}

if [[ ${POC_STARTUP_CACHE:-on} == off ]]; then
  cache_said="none (POC_STARTUP_CACHE=off)"
elif [[ -f $cache ]]; then
  if ((version >= 25)); then opts+=(-XX:AOTCache="$cache"); else opts+=(-XX:SharedArchiveFile="$cache"); fi
  cache_said="$kind $cache"
elif [[ $(id -u) == 0 ]]; then
  train
  cache_said="none yet: the $kind is being recorded in the background (log: $cache_dir/training.log)"
else
  cache_said="none: recording the $kind runs a container, so it waits for a run as root"
fi
# the front names the server's socket when it hands a call over (POC_SERVER=off: none)
server=${POC_SERVER_SOCKET:-}
front_said="off"
[[ -x $front ]] && front_said="$front (run without a terminal, ps)"
if [[ -z $server ]]; then
  front_said+="; CLI server: off"
elif [[ -S $server ]]; then
  front_said+="; CLI server: $server (running: run and ps in a warm JVM)"
else
  front_said+="; CLI server: $server (not running: the next run or ps starts it)"
fi
# A run or ps whose front found no server starts one (front-server.bash), which serves the calls after
# this one; this call runs in a JVM of its own. The front says POC_SERVER_NONE=1 only when its connect
# found no socket, or one no server listens on any more.
if [[ -n $server && ${POC_SERVER_NONE:-} == 1 ]]; then
  source "$here/poc-core/src/main/sh/front-server.bash"
  # a long-lived JVM: all of the JIT's tiers, which a short-lived command forgoes
  server_opts=()
  for o in "${opts[@]}"; do [[ $o == -Djnr.ffi.asm.enabled=false ]] || server_opts+=("$o"); done
  # never with POC_JAVA_OPTS: the server serves later callers too, whose settings its -D options
  # would override (a caller that sets JVM options runs in the JVM: the front falls back)
  start_front_server "$server" dev.poc.cli.CliServer "$jar" "$java_bin" "${server_opts[@]}"
fi
exec "$java_bin" "${opts[@]}" -Dpoc.startup.cache="$cache_said" -Dpoc.front="$front_said" ${POC_JAVA_OPTS:-} -jar "$jar" "$@"
