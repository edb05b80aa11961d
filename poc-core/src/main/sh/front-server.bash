# Sourced by ./poc and ./poc-oci: starts the warm JVM server behind a native front.
#
# start_front_server SOCKET CLASS JAR JAVA [JVM OPTIONS...]
# Starts CLASS (dev.poc.cli.CliServer, dev.poc.oci.OciServer) as `JAVA OPTIONS -cp JAR CLASS SOCKET
# JAR` in a session of its own (a Ctrl+C at the command that started it does not reach it), without
# stdio and without any other fd of the caller's (an engine's pipes would stay open for the server's
# life), from / (not the caller's directory, which may be removed), one start at a time
# (SOCKET.starting, which the server removes once it listens; a mark older than a minute is a
# failed start's). Its stderr goes to SOCKET's .log, made anew (never written through a symlink). The
# server holds SOCKET.lock while it runs: a second one leaves at once, and it replaces a stale socket
# file. SOCKET's directory must be a real directory of ours, mode 0700, as the front requires of it
# (trusted_server): otherwise no server is started (POC_FRONT_DEBUG says why) and the command runs in
# its JVM as it would anyway.
start_front_server() {
  local server=$1 class=$2 jar=$3 dir=${1%/*}
  shift 3
  if [[ ! -e $dir && ! -L $dir ]]; then
    mkdir -p -m 700 "$dir" 2>/dev/null || return 0
  fi
  if [[ -L $dir || ! -d $dir || ! -O $dir || $(stat -c %a "$dir" 2>/dev/null) != 700 ]]; then
    [[ -z ${POC_FRONT_DEBUG:-} ]] ||
      echo "poc: no server started: $dir must be a directory of uid $EUID, mode 0700, and no symlink" >&2
    return 0
  fi
  find "${server%/*}" -maxdepth 1 -name "${server##*/}.starting" -mmin +1 -exec rm -rf {} + 2>/dev/null || true
  mkdir "$server.starting" 2>/dev/null || return 0
  (
    cd / || exit 0
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then exec {fd}>&-; fi
    done
    log=${server%.sock}.log
    rm -f "$log" # a symlink there is removed, not followed; noclobber then creates it with O_EXCL
    set -C
    setsid -f "$@" -cp "$jar" "$class" "$server" "$jar" \
      </dev/null >/dev/null 2>"$log" || rmdir "$server.starting" 2>/dev/null
  ) || true # best effort: the command that asked runs in a JVM of its own either way (and under set -e)
}
