/*
 * poc-front: ./poc's native front. It sends the commands the CLI's quick path knows (`run` without
 * a terminal, `ps`) to the CLI server (dev.poc.cli.CliServer, a warm JVM), and hands every other
 * call, unchanged, to the JVM CLI by exec'ing $POC_LAUNCHER with POC_FRONT=off.
 *
 * A JVM start costs ~0.2 s; a command through the server costs a connect. For a run this process
 * stays the caller's: when the server says SPAWN it starts poc-init itself (its stdio, which poc-init
 * relays when it is a file or a terminal, so the container never reopens the caller's file; its
 * child, which dies with it: PR_SET_PDEATHSIG), and the server drives that helper. SIGINT, SIGTERM
 * and SIGHUP are passed on as SIGNAL (the server stops the container as the JVM CLI does at such a
 * signal), unless the caller ignores them (nohup, a background job's SIGINT): those stay ignored, in
 * poc-init too, as with the JVM CLI. This process's end closes the socket, and the server stops the
 * container at once. At the end the server sends the exit code and the CLI's own stdout and stderr
 * text.
 *
 * Falls back to the JVM, before anything has started: POC_SERVER=off, POC_DEBUG set, JVM options or
 * a loader setting in the environment (POC_JAVA_OPTS, JAVA_TOOL_OPTIONS, _JAVA_OPTIONS,
 * JDK_JAVA_OPTIONS, LD_PRELOAD, LD_LIBRARY_PATH: the server's JVM runs without them), another
 * command or form, a run at a terminal (the JVM makes the pty), no server (./poc then starts one),
 * a server that is not this user's own, or one that says FALLBACK (another build of the jar, a
 * caller that does not see the host as it does, a form the quick path leaves to picocli).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/wait.h>
#define PROGRAM "poc"
#include "front-client.h"

#define PROTOCOL "poc-cli 1"

static char **original_argv;
static volatile sig_atomic_t got_signal; /* the first of SIGINT, SIGTERM, SIGHUP */

static int relevant(const char *e);

/* The CLI server's socket for the jar ./poc runs ($POC_JAR), unless POC_SERVER=off: in
 * $POC_SERVER_DIR, else /run/poc-cli-server (root), else $XDG_RUNTIME_DIR/poc-cli-server. */
static void find_server_socket(void) {
  static int tried;
  const char *off = getenv("POC_SERVER");
  if (tried++ || (off && strcmp(off, "off") == 0))
    return;
  front_find_server(getenv("POC_JAR"), getenv("POC_SERVER_DIR"), "poc-cli-server", relevant);
}

/* Hands the call to the JVM CLI, argv unchanged. Never returns. */
static void fall_back(const char *why) {
  const char *launcher = getenv("POC_LAUNCHER");
  if (getenv("POC_FRONT_DEBUG"))
    fprintf(stderr, "poc-front: to the JVM: %s\n", why);
  if (!launcher || !*launcher) {
    fprintf(stderr, "poc: POC_LAUNCHER is not set: run poc-front through ./poc, not on its own\n");
    exit(125);
  }
  setenv("POC_FRONT", "off", 1);
  find_server_socket(); /* ./poc --version says whether it runs */
  if (*server_socket) /* ./poc starts the server when POC_SERVER_NONE says there was none */
    setenv("POC_SERVER_SOCKET", server_socket, 1);
  else
    unsetenv("POC_SERVER_SOCKET");
  original_argv[0] = (char *)launcher;
  execv(launcher, original_argv);
  fprintf(stderr, "poc: exec %s: %s\n", launcher, strerror(errno));
  exit(125);
}

/* The variables the server compares (CliServer.comparedEnvironment): PATH, XDG_RUNTIME_DIR,
 * DOCKER_CONFIG and POC_* but those read per caller and the launchers' plumbing. */
static int relevant(const char *e) {
  static const char *const per_caller[] = { "POC_STATE_ROOT=", "POC_BRIDGE=", "POC_BRIDGE_SUBNET=",
                                            "POC_DEFAULT_SUBNET=", "POC_CHAIN_PREFIX=", "POC_FRONT",
                                            "POC_LAUNCHER=", "POC_JAR=", "POC_STARTUP_CACHE=" };
  if (strncmp(e, "PATH=", 5) == 0 || strncmp(e, "XDG_RUNTIME_DIR=", 16) == 0 || strncmp(e, "DOCKER_CONFIG=", 14) == 0)
    return 1;
  if (strncmp(e, "POC_", 4) != 0 || strncmp(e, "POC_SERVER", 10) == 0 || strncmp(e, "POC_JAVA", 8) == 0 ||
      strncmp(e, "POC_OCI_", 8) == 0)
    return 0;
  for (size_t k = 0; k < sizeof per_caller / sizeof per_caller[0]; k++)
    if (strncmp(e, per_caller[k], strlen(per_caller[k])) == 0)
      return 0;
  return 1;
}

/* 'r' for a run without a terminal, 'p' for ps, 0 for anything the JVM must see (the server judges
 * the exact form; this only avoids asking it about what it cannot serve). */
static int quick_form(int argc, char **argv) {
  int i = 1;
  while (i < argc && strncmp(argv[i], "--state-root", 12) == 0)
    i += strcmp(argv[i], "--state-root") == 0 ? 2 : 1;
  if (i >= argc)
    return 0;
  if (strcmp(argv[i], "ps") == 0)
    return 'p';
  if (strcmp(argv[i], "run") != 0)
    return 0;
  int no_tty = 0;
  for (i++; i < argc && argv[i][0] == '-'; i++)
    no_tty |= strcmp(argv[i], "-T") == 0 || strcmp(argv[i], "--no-tty") == 0;
  /* without -T, the JVM CLI gives a person at a terminal (stdin and stdout) a pty */
  return no_tty || !isatty(0) || !isatty(1) ? 'r' : 0;
}

static void on_signal(int sig) {
  if (!got_signal)
    got_signal = sig;
}

static void reap(pid_t helper, int kill_first) {
  if (helper <= 0)
    return;
  if (kill_first)
    kill(helper, SIGKILL);
  while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {
  }
}

int main(int argc, char **argv) {
  original_argv = argv;
  unsetenv("POC_SERVER_NONE"); /* ours to set, for ./poc */
  const char *off = getenv("POC_SERVER"), *debug = getenv("POC_DEBUG");
  if (off && strcmp(off, "off") == 0)
    fall_back("POC_SERVER=off");
  if (debug && *debug)
    fall_back("POC_DEBUG: the JVM prints the details");
  static const char *const jvm_options[] = { "POC_JAVA_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
                                             "JDK_JAVA_OPTIONS", "LD_PRELOAD", "LD_LIBRARY_PATH" };
  for (size_t k = 0; k < sizeof jvm_options / sizeof jvm_options[0]; k++)
    if (getenv(jvm_options[k])) { /* the server's JVM is not started with this caller's options */
      static char why[128];
      snprintf(why, sizeof why, "%s is set: the server's JVM would not run with it", jvm_options[k]);
      fall_back(why);
    }
  int form = quick_form(argc, argv);
  if (!form)
    fall_back("a command, or a run at a terminal, that the JVM runs");
  /* a closed 0-2 would be taken by the socket below, and the command's text written into it */
  for (int k = 0; k < 3; k++)
    if (fcntl(k, F_GETFD) < 0 && open("/dev/null", O_RDWR) != k)
      fall_back("stdio cannot be completed with /dev/null");
  find_server_socket();
  if (!*server_socket)
    fall_back("no server to use (no POC_JAR, or no directory for its socket)");
  pid_t server_pid;
  const char *why;
  int fd = front_open("POC_SERVER_NONE", &server_pid, &why); /* none: ./poc starts one */
  if (fd < 0)
    fall_back(why);
  struct buffer request = { 0 };
  if ((why = front_build_request(&request, PROTOCOL, getenv("POC_JAR"), argc, argv)))
    fall_back(why);
  /* from here on, a signal is passed to the server; it arrives only inside ppoll (no lost wake-up).
   * One the caller ignores (nohup, a background job's SIGINT) stays ignored and is never passed on,
   * as the JVM CLI leaves it; poc-init gets the caller's dispositions back (front_spawn). */
  sigset_t block, waiting;
  sigemptyset(&block);
  for (size_t k = 0; k < FRONT_SIGNALS; k++) {
    sigaction(front_signals[k], NULL, &front_original[k]);
    if (front_original[k].sa_handler != SIG_IGN)
      sigaddset(&block, front_signals[k]);
  }
  front_saved_signals = 1;
  sigprocmask(SIG_BLOCK, &block, &waiting);
  struct sigaction sa = { .sa_handler = on_signal };
  for (size_t k = 0; k < FRONT_SIGNALS; k++)
    if (sigismember(&block, front_signals[k])) {
      sigdelset(&waiting, front_signals[k]);
      sigaction(front_signals[k], &sa, NULL);
    }
  if (send_all(fd, request.data, request.len) < 0)
    fall_back("the server left before answering");
  free(request.data);
  pid_t helper = 0;
  int signal_sent = 0;
  char line[8192];
  for (;;) {
    if (got_signal && helper > 0 && !signal_sent) {
      snprintf(line, sizeof line, "SIGNAL %d\n", (int)got_signal);
      signal_sent = send_all(fd, line, strlen(line)) == 0;
    }
    struct pollfd p = { fd, POLLIN, 0 };
    if (ppoll(&p, 1, NULL, &waiting) < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    if (read_line(fd, line, sizeof line) < 0)
      break;
    int code;
    long out_len, err_len;
    char reply[4300];
    if (strncmp(line, "FALLBACK", 8) == 0) {
      reap(helper, 1); /* a run the quick path refused before its container existed */
      if (got_signal)
        exit(128 + got_signal); /* stopped before anything ran: not handed on to run after all */
      front_restore_signals(); /* the JVM CLI gets the caller's dispositions, ignored ones ignored */
      sigprocmask(SIG_UNBLOCK, &block, NULL);
      fall_back(line);
    } else if (form == 'r' && got_signal && helper == 0 && strncmp(line, "SPAWN ", 6) == 0) {
      /* stopped before the container started: it must not start after all */
      if (send_all(fd, "FAILED interrupted\n", 19) < 0)
        break;
    } else if (form == 'r' && front_spawn(line, server_pid, 0, 1, &helper, reply, sizeof reply)) {
      if (send_all(fd, reply, strlen(reply)) < 0)
        break;
    } else if (sscanf(line, "EXIT %d %ld %ld", &code, &out_len, &err_len) == 3 && out_len >= 0 && err_len >= 0) {
      if (front_copy(fd, 1, out_len) < 0 || front_copy(fd, 2, err_len) < 0)
        break;
      reap(helper, 0); /* it reported the command's end before the server did */
      /* the JVM CLI, stopped by such a signal, leaves with 128 + its number */
      exit(got_signal ? 128 + got_signal : code < 0 || code > 255 ? 255 : code);
    } else {
      break;
    }
  }
  reap(helper, 1);
  fprintf(stderr, "poc: the CLI server (%s) ended in the middle of this command%s; POC_SERVER=off runs without it\n",
          server_socket, helper > 0 ? " (its container is stopped; the next command on its state root releases it)" : "");
  return 125;
}
