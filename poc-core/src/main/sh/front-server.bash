# Sourced by ./poc and ./poc-oci: starts the warm JVM server behind a native front.
#
# start_front_server SOCKET CLASS JAR JAVA [JVM OPTIONS...]
# Starts CLASS (dev.poc.cli.CliServer, dev.poc.oci.OciServer) as `JAVA OPTIONS -cp JAR CLASS SOCKET
# JAR` in a session of its own (a Ctrl+C at the command that started it does not reach it), without
# stdio and without any other fd of the caller's (an engine's pipes would stay open for the server's
# life), from / (not the caller's directory, which may be removed), one start at a time
# (SOCKET.starting, which the server removes once it listens; a mark older than a minute is a
# failed start's). Its stderr goes to SOCKET's .log. The server holds SOCKET.lock while it runs: a
# second one leaves at once, and it replaces a stale socket file.
start_front_server() {
  local server=$1 class=$2 jar=$3
  shift 3
  mkdir -p -m 700 "${server%/*}" 2>/dev/null || return 0
  find "${server%/*}" -maxdepth 1 -name "${server##*/}.starting" -mmin +1 -exec rm -rf {} + 2>/dev/null || true
  mkdir "$server.starting" 2>/dev/null || return 0
  (
    cd / || exit 0
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then exec {fd}>&-; fi
    done
    setsid -f "$@" -cp "$jar" "$class" "$server" "$jar" \
      </dev/null >/dev/null 2>"${server%.sock}.log" || rmdir "$server.starting" 2>/dev/null
  ) || true # best effort: the command that asked runs in a JVM of its own either way (and under set -e)
}
