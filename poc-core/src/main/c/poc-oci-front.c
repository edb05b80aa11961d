/*
 * poc-oci-front: answers the OCI runtime verbs that only read state or send a signal (state,
 * kill, start) without a JVM, and hands every other call, unchanged, to the JVM's poc-oci.
 *
 * It also answers `delete` (a created, stopped, or with --force running container, and one that is
 * gone: Docker's shim deletes twice), releasing what the runtime's reclaim would from the lines
 * create wrote for it (run directory, name lock, netns name, cgroup directories).
 *
 * An engine calls the runtime binary four or five times per container; a JVM start costs
 * 0.2-0.7 s where runc answers in ~10 ms. This front reads what `create` left for it
 * (ROOT/ID/front: the init's pid and start time, and the state document around its status and
 * pid, rendered by the Java side) and does what the Java verb does: the same status logic, the
 * same JSON, the same errors and exit codes, the same --log lines. Whatever it does not fully
 * handle (other verbs, flags it does not know, --all, hooks, a frozen container to SIGKILL, a
 * record it cannot read, a delete with more to release than those lines) it hands over by exec'ing $POC_OCI_LAUNCHER with POC_OCI_FRONT=off, before
 * it has changed anything: when in doubt, the JVM answers.
 *
 * Single-threaded, no allocation beyond the files it reads, no JSON library.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <ftw.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define FRONT_FORMAT "poc-oci-front 2"
#define FRONT_FORMAT_1 "poc-oci-front 1" /* no release lines: state, kill and start only */
#define MAX_FILE (1 << 20)
#define PROGRAM "poc-oci"
#include "front-client.h"

static char **original_argv;
static void find_server_socket(void);
static const char *root = "/run/poc-oci";
static const char *log_file;
static int json_log = 0;

/* Hands the call to the JVM's poc-oci, argv unchanged. Never returns. */
static void fall_back(const char *why) {
  const char *launcher = getenv("POC_OCI_LAUNCHER");
  if (getenv("POC_OCI_FRONT_DEBUG"))
    fprintf(stderr, "poc-oci-front: to the JVM: %s\n", why);
  if (!launcher || !*launcher) {
    fprintf(stderr, "poc-oci: POC_OCI_LAUNCHER is not set: run poc-oci-front through poc-oci, not on its own\n");
    exit(125);
  }
  setenv("POC_OCI_FRONT", "off", 1);
  /* ./poc-oci starts the create server when a create comes back for want of one, and says which in --version */
  find_server_socket();
  if (*server_socket)
    setenv("POC_OCI_SERVER_SOCKET", server_socket, 1);
  else
    unsetenv("POC_OCI_SERVER_SOCKET");
  original_argv[0] = (char *)launcher;
  execv(launcher, original_argv);
  fprintf(stderr, "poc-oci: exec %s: %s\n", launcher, strerror(errno));
  exit(125);
}

/* Writes s as the body of a JSON string, escaped as Jackson escapes it. */
static void json_escape(FILE *out, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    default:
      if (*p < 0x20)
        fprintf(out, "\\u%04X", *p);
      else
        fputc(*p, out);
    }
  }
}

/* The time as java.time.Instant.toString() writes it: UTC, the fraction in groups of three digits. */
static void instant(char *buf, size_t size) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  long ns = ts.tv_nsec;
  if (ns == 0)
    snprintf(buf + n, size - n, "Z");
  else if (ns % 1000000 == 0)
    snprintf(buf + n, size - n, ".%03ldZ", ns / 1000000);
  else if (ns % 1000 == 0)
    snprintf(buf + n, size - n, ".%06ldZ", ns / 1000);
  else
    snprintf(buf + n, size - n, ".%09ldZ", ns);
}

/* An error as OciMain writes it: "poc-oci: MSG" on stderr, a line in --log; exit 1. */
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...) {
  char msg[4096], now[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "poc-oci: %s\n", msg);
  if (log_file) {
    FILE *log = fopen(log_file, "a");
    if (!log) {
      fprintf(stderr, "poc-oci: cannot write the log %s: %s\n", log_file, strerror(errno));
      exit(1);
    }
    instant(now, sizeof now);
    if (json_log) {
      fputs("{\"level\":\"error\",\"msg\":\"", log);
      json_escape(log, msg);
      fprintf(log, "\",\"time\":\"%s\"}\n", now);
    } else {
      fprintf(log, "%s error %s\n", now, msg);
    }
    fclose(log);
  }
  exit(1);
}

/* A process's start time (field 22 of /proc/PID/stat), or -1 when it has ended (or is a zombie). */
static long long start_time(int pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  char *stat = read_file(path, NULL);
  if (!stat)
    return -1;
  long long value = -1;
  char *p = strrchr(stat, ')');
  if (p && p[1] == ' ' && p[2] && p[2] != 'Z' && p[2] != 'X') {
    p += 2; /* field 3, the state */
    for (int field = 3; p && field < 22; field++) {
      p = strchr(p, ' ');
      if (p)
        p++;
    }
    if (p)
      value = strtoll(p, NULL, 10);
  }
  free(stat);
  return value;
}

/* What create left in ROOT/ID/front: the init, the bundle, and the state document around status and pid. */
struct record {
  int pid;
  long long pid_start;
  const char *config;      /* the bundle's config.json */
  const char *head, *tail; /* the JSON before "status" and from "bundle" on */
  size_t head_len, tail_len;
  char *release;           /* the lines of what delete releases (NULL: none), up to head= */
  size_t release_len;
};

static void container_dir(char *out, size_t size, const char *id, const char *file) {
  if ((size_t)snprintf(out, size, "%s/%s/%s", root, id, file) >= size)
    fall_back("a path too long");
}

/* The value of line "key=VALUE\n" at *p (NUL-terminated in place), moving *p past it; NULL if another key. */
static char *field(char **p, const char *key) {
  size_t k = strlen(key);
  char *eol = strchr(*p, '\n');
  if (!eol || strncmp(*p, key, k) != 0 || (*p)[k] != '=')
    return NULL;
  *eol = 0;
  char *value = *p + k + 1;
  *p = eol + 1;
  return value;
}

/* Loads the record of id; the Java verb's error when there is none; the JVM when it cannot read it. */
static void load(const char *id, struct record *r) {
  char path[4096];
  struct stat st;
  container_dir(path, sizeof path, id, "container.json");
  if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
    fail("container '%s' does not exist under %s: see poc-oci --root %s list", id, root, root);
  container_dir(path, sizeof path, id, "front");
  size_t n;
  char *buf = read_file(path, &n);
  if (!buf)
    fall_back("no front file");
  /* poc-oci-front 2\npid=N\npidstart=N\nconfig=PATH\n[release lines]head=LEN\ntail=LEN\n<head><tail> */
  char *p = buf, *end, *v;
  size_t magic = strlen(FRONT_FORMAT);
  int format_1 = strncmp(p, FRONT_FORMAT_1 "\n", magic + 1) == 0;
  if (!format_1 && strncmp(p, FRONT_FORMAT "\n", magic + 1) != 0)
    fall_back("a front file of another format");
  p += magic + 1;
  if (!(v = field(&p, "pid")) || (r->pid = (int)strtol(v, &end, 10)) <= 0 || *end)
    fall_back("a front file without pid");
  if (!(v = field(&p, "pidstart")) || ((r->pid_start = strtoll(v, &end, 10)), *end))
    fall_back("a front file without pidstart");
  if (!(r->config = field(&p, "config")))
    fall_back("a front file without config");
  r->release = p; /* the lines before head=, which only delete reads */
  while (strncmp(p, "head=", 5) != 0) {
    char *eol = strchr(p, '\n');
    if (!eol)
      fall_back("a front file without head");
    p = eol + 1;
  }
  r->release_len = (size_t)(p - r->release);
  if (format_1 || r->release_len == 0)
    r->release = NULL;
  if (!(v = field(&p, "head")) || ((r->head_len = strtoul(v, &end, 10)), *end))
    fall_back("a front file without head");
  if (!(v = field(&p, "tail")) || ((r->tail_len = strtoul(v, &end, 10)), *end))
    fall_back("a front file without tail");
  if ((size_t)(p - buf) + r->head_len + r->tail_len != n)
    fall_back("a front file of the wrong length");
  r->head = p;
  r->tail = p + r->head_len;
}

static int init_alive(const struct record *r) {
  return r->pid_start >= 0 && start_time(r->pid) == r->pid_start;
}

/* Trims trailing whitespace in place (Java's trim of a cgroup file's text). */
static char *trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = 0;
  while (isspace((unsigned char)*s))
    s++;
  return s;
}

/* Whether every name of the comma list `want` is in the comma list `have`. */
static int contains_all(const char *have, const char *want) {
  char w[256];
  snprintf(w, sizeof w, "%s", want);
  for (char *save, *tok = strtok_r(w, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    size_t len = strlen(tok);
    const char *p = have;
    int found = 0;
    while (p && *p && !found) {
      const char *end = strchr(p, ',');
      size_t plen = end ? (size_t)(end - p) : strlen(p);
      found = plen == len && strncmp(p, tok, len) == 0;
      p = end ? end + 1 : NULL;
    }
    if (!found)
      return 0;
  }
  return 1;
}

/*
 * The host directory of the group at `path` in the hierarchy of `controllers` ("" for cgroup v2),
 * from this process's mountinfo, as CgroupMembership.hostDir finds it: 1 found, 0 none, -1 unsure.
 */
static int host_dir(const char *mountinfo, const char *controllers, const char *path, char *out, size_t size) {
  for (const char *line = mountinfo; line && *line;) {
    const char *eol = strchr(line, '\n');
    size_t len = eol ? (size_t)(eol - line) : strlen(line);
    char l[4096];
    if (len >= sizeof l)
      return -1;
    memcpy(l, line, len);
    l[len] = 0;
    line = eol ? eol + 1 : NULL;
    char *sep = strstr(l, " - ");
    if (!sep)
      continue;
    *sep = 0;
    char mroot[4096], point[4096], fstype[64], source[4096], superopts[4096];
    if (sscanf(l, "%*s %*s %*s %4095s %4095s", mroot, point) != 2 ||
        sscanf(sep + 3, "%63s %4095s %4095s", fstype, source, superopts) != 3)
      continue;
    int match = *controllers ? strcmp(fstype, "cgroup") == 0 && contains_all(superopts, controllers)
                             : strcmp(fstype, "cgroup2") == 0;
    if (!match)
      continue;
    if (strchr(mroot, '\\') || strchr(point, '\\'))
      return -1; /* an escaped name: leave it to the JVM's parser */
    size_t rlen = strlen(mroot);
    int root_slash = strcmp(mroot, "/") == 0;
    if (root_slash || strcmp(path, mroot) == 0 || (strncmp(path, mroot, rlen) == 0 && path[rlen] == '/')) {
      const char *rel = root_slash ? path : path + rlen;
      while (*rel == '/')
        rel++;
      snprintf(out, size, *rel ? "%s/%s" : "%s", point, rel);
      return 1;
    }
  }
  return 0;
}

/* Reads one cgroup file, trimmed, into out; 0, or -1 when it cannot be read. */
static int read_trimmed(const char *dir, const char *file, char *out, size_t size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  char *text = read_file(path, NULL);
  if (!text)
    return -1;
  snprintf(out, size, "%s", trim(text));
  free(text);
  return 0;
}

/*
 * Whether the container of init `pid` is frozen, as ContainerFreezer.frozen decides: its unified
 * group's cgroup.freeze is 1, else its v1 freezer group is FROZEN or FREEZING; a file that cannot
 * be read means not frozen. 1, 0, or -1 when this front is unsure (then the JVM decides).
 */
static int frozen(int pid) {
  char path[64], dir[4096], value[64];
  snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
  char *groups = read_file(path, NULL);
  if (!groups)
    return 0;
  char *mountinfo = read_file("/proc/self/mountinfo", NULL);
  if (!mountinfo) {
    free(groups);
    return -1;
  }
  int result = 0;
  /* pass 0: the unified group; pass 1: the first v1 freezer group, in /proc/PID/cgroup's order */
  for (int pass = 0; pass < 2 && result == 0; pass++) {
    char *copy = strdup(groups);
    for (char *save, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
      char *c1 = strchr(line, ':');
      char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
      if (!c2)
        continue;
      *c2 = 0;
      const char *controllers = c1 + 1, *group = c2 + 1;
      if (pass == 0 ? *controllers != 0 : !contains_all(controllers, "freezer"))
        continue;
      int found = host_dir(mountinfo, controllers, group, dir, sizeof dir);
      if (found < 0) {
        result = -1;
        break;
      }
      if (found == 0)
        continue;
      if (pass == 0) {
        if (read_trimmed(dir, "cgroup.freeze", value, sizeof value) < 0)
          result = 2; /* unreadable: the Java side stops here, not frozen */
        else if (strcmp(value, "1") == 0)
          result = 1;
      } else {
        if (read_trimmed(dir, "freezer.state", value, sizeof value) == 0)
          result = strcmp(value, "FROZEN") == 0 || strcmp(value, "FREEZING") == 0;
        result = result == 1 ? 1 : 2; /* the first freezer group decides */
      }
      break;
    }
    free(copy);
  }
  free(groups);
  free(mountinfo);
  return result == 2 ? 0 : result;
}

/* The spec's status, as StateDir.status decides it; the JVM when the freezer cannot be read. */
static const char *status(const char *id, const struct record *r) {
  if (!init_alive(r))
    return "stopped";
  char fifo[4096];
  container_dir(fifo, sizeof fifo, id, "start.fifo");
  if (access(fifo, F_OK) == 0)
    return "created";
  int f = frozen(r->pid);
  if (f < 0)
    fall_back("the freezer state is unclear");
  return f ? "paused" : "running";
}

/* state ID: the document the Java side rendered at create, with the status and pid of now. */
static int verb_state(const char *id) {
  struct record r;
  load(id, &r);
  const char *s = status(id, &r);
  fwrite(r.head, 1, r.head_len, stdout);
  printf("  \"status\" : \"%s\",\n  \"pid\" : %d,\n", s, strcmp(s, "stopped") == 0 ? 0 : r.pid);
  fwrite(r.tail, 1, r.tail_len, stdout);
  putchar('\n');
  return fflush(stdout) == 0 ? 0 : 1;
}

/* The signal names runc takes (with or without SIG, any case) and jnr's Signal knows. */
static const struct {
  const char *name;
  int number;
} SIGNALS[] = {
    {"HUP", SIGHUP},     {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT},   {"BUS", SIGBUS},       {"FPE", SIGFPE},     {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},     {"PIPE", SIGPIPE},   {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD},   {"CONT", SIGCONT},     {"STOP", SIGSTOP},   {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU},   {"URG", SIGURG},       {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF},   {"WINCH", SIGWINCH},   {"IO", SIGIO},       {"SYS", SIGSYS},
};

/* A signal number from a name or number as OciMain.signal reads it; 0 when the JVM should judge it. */
static int signal_number(const char *text) {
  if (*text && strspn(text, "0123456789") == strlen(text)) {
    long n = strlen(text) <= 3 ? strtol(text, NULL, 10) : 0;
    return n >= 1 && n <= 64 ? (int)n : 0;
  }
  char name[32];
  size_t i = 0;
  for (; text[i] && i < sizeof name - 1; i++)
    name[i] = (char)toupper((unsigned char)text[i]);
  name[i] = 0;
  const char *bare = strncmp(name, "SIG", 3) == 0 ? name + 3 : name;
  for (size_t k = 0; k < sizeof SIGNALS / sizeof SIGNALS[0]; k++)
    if (strcmp(SIGNALS[k].name, bare) == 0)
      return SIGNALS[k].number;
  return 0;
}

/* kill ID [SIGNAL]: the signal to the init through a pidfd, once the start time proves it is the one. */
static int verb_kill(const char *id, const char *signal_text) {
  int sig = signal_number(signal_text);
  if (sig == 0)
    fall_back("a signal the JVM reads");
  struct record r;
  load(id, &r);
  if (strcmp(status(id, &r), "stopped") == 0)
    fail("container '%s' is not running: nothing to signal", id);
  if (sig == SIGKILL && frozen(r.pid) != 0)
    fall_back("SIGKILL to a frozen container, which must be thawed");
  int fd = (int)syscall(SYS_pidfd_open, r.pid, 0);
  if (fd < 0)
    fall_back("pidfd_open failed");
  if (start_time(r.pid) != r.pid_start)
    fail("container '%s' is not running: nothing to signal", id);
  /* as PidHandle.signal: the pidfd pins the process; a failure to signal a dying one is no error */
  syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
  close(fd);
  return 0;
}

/* start ID: the one byte the created init waits for on its fifo, unless the bundle has poststart hooks. */
static int verb_start(const char *id) {
  struct record r;
  load(id, &r);
  const char *s = status(id, &r);
  if (strcmp(s, "created") != 0)
    fail("container '%s' is %s, not created: only a created container can start", id, s);
  /* poststart hooks run after the start, read from the bundle as the Java side reads them: the JVM runs them */
  char *config = read_file(r.config, NULL);
  if (!config || strstr(config, "poststart"))
    fall_back("the bundle may have poststart hooks");
  free(config);
  char fifo[4096];
  container_dir(fifo, sizeof fifo, id, "start.fifo");
  int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    fall_back("the start fifo does not open"); /* the JVM says why, as it always has */
  if (write(fd, "s", 1) != 1)
    fail("starting container '%s': writing %s: %s (errno %d)", id, fifo, strerror(errno), errno);
  close(fd);
  if (unlink(fifo) < 0 && errno != ENOENT)
    fail("starting container '%s': removing %s: %s (errno %d)", id, fifo, strerror(errno), errno);
  return 0;
}

/*
 * delete [--force] ID of a container that is gone: nothing to do (--force) or the Java verb's
 * error. A container with a record, or a directory a killed create left, is the JVM's to release.
 */
static int verb_delete_gone(const char *id, int force) {
  char path[4096];
  struct stat st;
  container_dir(path, sizeof path, id, "container.json");
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
    fall_back("a container to release");
  container_dir(path, sizeof path, id, ".");
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    fall_back("a directory a create left");
  if (errno != ENOENT && errno != ENOTDIR)
    fall_back("a directory that cannot be checked");
  if (force)
    return 0;
  fail("container '%s' does not exist under %s: see poc-oci --root %s list", id, root, root);
}

/* ---- delete of a container with a record: what OciRuntime.delete and the runtime's reclaim do ---- */

#define MAX_GROUPS 32
#define MAX_BUSY 8
#define GROUP_ROUNDS 14 /* GroupRemoval.ROUNDS: 1 ms, doubling to 250 ms, about 2 s in all */

/* The release lines create wrote (see StateDir.writeFront and FrontRelease). */
struct release {
  const char *run_dir, *lock, *leases, *netns, *member;
  const char *busy[MAX_BUSY];
  int busy_count;
  const char *parents[MAX_GROUPS]; /* ancestors of a placed group that its create made, deepest first */
  int parent_count;
  struct {
    const char *dir;
    int unified;
  } groups[MAX_GROUPS];
  int group_count;
};

/* Splits the release lines of r (in place) into rel; -1 when a line is not one this front knows. */
static int parse_release(struct record *r, struct release *rel) {
  memset(rel, 0, sizeof *rel);
  char *p = r->release, *end = r->release + r->release_len;
  while (p < end) {
    char *eol = memchr(p, '\n', (size_t)(end - p));
    char *eq = memchr(p, '=', (size_t)(end - p));
    if (!eol || !eq || eq > eol)
      return -1;
    *eol = 0;
    *eq = 0;
    const char *key = p, *value = eq + 1;
    p = eol + 1;
    if (*value != '/')
      return -1; /* every value is an absolute path */
    if (strcmp(key, "release") == 0)
      rel->run_dir = value;
    else if (strcmp(key, "lock") == 0)
      rel->lock = value;
    else if (strcmp(key, "leases") == 0)
      rel->leases = value;
    else if (strcmp(key, "netns") == 0)
      rel->netns = value;
    else if (strcmp(key, "member") == 0)
      rel->member = value;
    else if (strcmp(key, "busy") == 0 && rel->busy_count < MAX_BUSY)
      rel->busy[rel->busy_count++] = value;
    else if (strcmp(key, "parent") == 0 && rel->parent_count < MAX_GROUPS)
      rel->parents[rel->parent_count++] = value;
    else if ((strcmp(key, "cgroup2") == 0 || strcmp(key, "cgroup1") == 0) && rel->group_count < MAX_GROUPS) {
      rel->groups[rel->group_count].dir = value;
      rel->groups[rel->group_count++].unified = key[6] == '2';
    } else
      return -1;
  }
  return rel->run_dir && rel->lock && (rel->group_count == 0 || rel->member) ? 0 : -1;
}

/* Whether text is what Jackson writes unescaped, so a lease file names it as it is (AddressAllocator.mayMention). */
static int plain_text(const char *text) {
  for (const unsigned char *c = (const unsigned char *)text; *c; c++)
    if (*c < 0x20 || *c == '"' || *c == '\\' || *c >= 0x7f)
      return 0;
  return 1;
}

/*
 * Why the runtime's reclaim would do more for this container than the release lines say (a
 * published port's record, a host veth, a named network, a lease naming its run directory, a
 * poststop hook to run), or NULL: the front then releases it itself.
 */
static const char *more_than_listed(const struct record *r, const struct release *rel) {
  struct stat st;
  char *config = read_file(r->config, NULL);
  if (!config && errno != ENOENT)
    return "a config.json that cannot be read: its hooks are the JVM's to judge";
  int hooks = config && strstr(config, "poststop");
  free(config);
  if (hooks)
    return "the bundle may have poststop hooks";
  for (int i = 0; i < rel->busy_count; i++)
    if (lstat(rel->busy[i], &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
      return "something of its network to release (a port record, a host veth or a named network)";
  if (!rel->leases)
    return NULL;
  if (!plain_text(rel->run_dir))
    return "a run directory a lease file would escape";
  DIR *dir = opendir(rel->leases);
  if (!dir)
    return errno == ENOENT ? NULL : "a lease directory that cannot be read";
  const char *why = NULL;
  for (struct dirent *e; !why && (e = readdir(dir));) {
    size_t n = strlen(e->d_name), s = strlen(".leases.json");
    if (n <= s || strcmp(e->d_name + n - s, ".leases.json") != 0)
      continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", rel->leases, e->d_name);
    char *text = read_file(path, NULL);
    if (!text ? errno != ENOENT : strstr(text, rel->run_dir) != NULL)
      why = "a lease that may name its run directory";
    free(text);
  }
  closedir(dir);
  return why;
}

/* A warning as the JVM's slf4j-simple logger prints it on stderr (the JVM does not put these in --log). */
static void warn(const char *logger, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(const char *logger, const char *fmt, ...) {
  char msg[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "[main] WARN %s - %s\n", logger, msg);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
    ;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* As OciRuntime.awaitGone: until the init has ended (a zombie has), at most 10 s; a pidfd wakes us at its exit. */
static void await_gone(const char *id, const struct record *r, int pidfd) {
  long long deadline = now_ms() + 10000;
  while (init_alive(r)) {
    long long left = deadline - now_ms();
    if (left < 0)
      fail("container '%s': its init %d did not die within 10 s of SIGKILL", id, r->pid);
    struct pollfd pfd = {pidfd, POLLIN, 0};
    if (pidfd < 0 || poll(&pfd, 1, (int)(left < 2 ? 2 : left)) != 0)
      sleep_ms(pidfd < 0 || (pfd.revents & POLLIN) ? 2 : 0); /* ended: /proc says so in a moment */
    if (pidfd >= 0 && (pfd.revents & POLLIN)) {
      close(pidfd);
      pidfd = -1;
    }
  }
  if (pidfd >= 0)
    close(pidfd);
}

/* Makes dir and its parents (Files.createDirectories); 0 or -1 with errno. */
static int make_dirs(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s", dir);
  for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
    if (slash)
      *slash = 0;
    if (mkdir(path, 0777) < 0 && errno != EEXIST)
      return -1;
    if (!slash)
      return 0;
    *slash = '/';
  }
}

/* NameLock.tryAcquire: the flock on the name's lock file, made when missing; the Java verb's error when held. */
static int take_name_lock(const char *id, const char *lock) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", lock);
  *strrchr(dir, '/') = 0;
  if (*dir && make_dirs(dir) < 0)
    fail("%s: %s", dir, strerror(errno));
  for (;;) {
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
      fail("opening lock file %s: %s (errno %d)", lock, strerror(errno), errno);
    int rc;
    while ((rc = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
      ;
    if (rc < 0) {
      int e = errno;
      close(fd);
      if (e == EWOULDBLOCK)
        fail("container '%s' is being created or deleted by another process: try again", id);
      fail("locking %s: %s (errno %d)", lock, strerror(e), e);
    }
    struct stat held, named;
    if (fstat(fd, &held) == 0 && lstat(lock, &named) == 0 && held.st_dev == named.st_dev && held.st_ino == named.st_ino)
      return fd;
    close(fd); /* the holder before us deleted it: lock the file the path names now */
  }
}

/* NetnsNames.unbind: a detached unmount and the file's removal; a failure is the reclaim's warning. */
static void release_netns(const char *id, const char *netns) {
  struct stat st;
  if (!netns || stat(netns, &st) < 0)
    return;
  if (umount2(netns, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
    warn("dev.poc.ContainerRuntime", "reclaiming NetworkSetup of '%s' failed: java.io.IOException: unmounting %s: %s (errno %d)",
         id, netns, strerror(errno), errno);
    return;
  }
  if (unlink(netns) < 0 && errno != ENOENT)
    warn("dev.poc.ContainerRuntime", "reclaiming NetworkSetup of '%s' failed: java.io.IOException: %s: %s", id, netns,
         strerror(errno));
}

/* GroupKiller.killIfMember: SIGKILL through a pidfd, once /proc/PID/cgroup still names the group. */
static void kill_if_member(int pid, const char *member) {
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return; /* gone already */
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
  char *groups = read_file(path, NULL);
  int is_member = 0;
  size_t mlen = strlen(member);
  for (char *save, *line = groups ? strtok_r(groups, "\n", &save) : NULL; line && !is_member;
       line = strtok_r(NULL, "\n", &save)) {
    size_t n = strlen(line);
    is_member = n > mlen && line[n - mlen - 1] == ':' && strcmp(line + n - mlen, member) == 0;
  }
  free(groups);
  if (is_member)
    syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
  close(fd);
}

/* GroupKiller.killAll: every process listed in the cgroup.procs of dirs [from, to). */
static void kill_listed(const struct release *rel, int from, int to) {
  for (int i = from; i < to; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.procs", rel->groups[i].dir);
    char *procs = read_file(path, NULL);
    for (char *save, *line = procs ? strtok_r(procs, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
      if (atoi(line) > 0)
        kill_if_member(atoi(line), rel->member);
    free(procs);
  }
}

/* GroupRemoval.remove of one driver's dirs [from, to): rmdir, else empty them and try again, backing off. */
static void remove_driver_groups(const struct release *rel, int from, int to) {
  int busy[MAX_GROUPS], left = 0, last_errno = 0;
  for (int i = from; i < to; i++)
    busy[left++] = i;
  long pause = 1;
  for (int round = 0; round < GROUP_ROUNDS; round++) {
    int still = 0;
    for (int k = 0; k < left; k++) {
      if (rmdir(rel->groups[busy[k]].dir) < 0 && errno != ENOENT) {
        last_errno = errno;
        busy[still++] = busy[k];
      }
    }
    left = still;
    if (left == 0)
      return;
    if (rel->groups[from].unified) { /* CgroupV2.kill: cgroup.kill, or the processes one by one before Linux 5.14 */
      char path[4096];
      snprintf(path, sizeof path, "%s/cgroup.kill", rel->groups[from].dir);
      int fd = open(path, O_WRONLY | O_CLOEXEC);
      if (fd >= 0) {
        if (write(fd, "1", 1) < 0) { /* as a failed write there: the next round tries again */
        }
        close(fd);
      } else if (errno == ENOENT) {
        kill_listed(rel, from, to);
      }
    } else {
      kill_listed(rel, from, to);
    }
    sleep_ms(pause);
    pause = pause * 2 < 250 ? pause * 2 : 250;
  }
  char dirs[4096] = "";
  for (int k = 0; k < left; k++)
    snprintf(dirs + strlen(dirs), sizeof dirs - strlen(dirs), "%s%s", k ? ", " : "", rel->groups[busy[k]].dir);
  char why[64];
  snprintf(why, sizeof why, "errno %d", last_errno);
  warn("dev.poc.cgroup.GroupRemoval", "cgroup [%s] could not be removed (%s): left for the next runtime's reclaim or poc prune",
       dirs, last_errno == EBUSY ? "processes are still inside" : why);
}

static int tree_errno; /* the first failure of delete_tree's walk */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if ((type == FTW_DP || type == FTW_DNR ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT && !tree_errno)
    tree_errno = errno;
  return 0;
}

/* Release.deleteTree: the tree without following links, going on past a failure, which is warned about. */
static void delete_tree(const char *dir) {
  struct stat st;
  if (lstat(dir, &st) < 0)
    return;
  tree_errno = 0;
  if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT && !tree_errno)
    tree_errno = errno;
  if (tree_errno)
    warn("dev.poc.launch.Release", "removing %s failed: java.io.IOException: %s", dir, strerror(tree_errno));
}

/*
 * delete [--force] ID: the Java verb, natively. It decides first, from the release lines create
 * wrote, whether it can do all that OciRuntime.delete would (no hooks, nothing of a network beyond
 * the netns name, a record it reads); if not, the JVM does it, before anything has changed. Then:
 * SIGKILL the init if it lives (a created one, or a running one with --force), wait until it has
 * ended, take its name lock, undo its host side in the reclaim's order (netns name, cgroups, run
 * directory), let go of the lock (deleting its file) and remove ROOT/ID. (The reclaim's check of
 * the run state's helper is moot: create waited for its helper to end before it recorded it.)
 */
static int verb_delete(const char *id, int force) {
  char path[4096];
  struct stat st;
  container_dir(path, sizeof path, id, "container.json");
  if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
    return verb_delete_gone(id, force);
  struct record r;
  struct release rel;
  load(id, &r);
  if (!r.release || parse_release(&r, &rel) < 0)
    fall_back("a front file without release lines this front reads");
  const char *why = more_than_listed(&r, &rel);
  if (why)
    fall_back(why);
  const char *s = status(id, &r);
  if ((strcmp(s, "running") == 0 || strcmp(s, "paused") == 0) && !force)
    fail("container '%s' is %s: stop it first (poc-oci kill %s KILL) or use delete --force", id, s, id);
  int pidfd = -1;
  if (strcmp(s, "stopped") != 0) {
    if (frozen(r.pid) != 0)
      fall_back("a frozen container, which must be thawed to die");
    pidfd = (int)syscall(SYS_pidfd_open, r.pid, 0);
    if (pidfd < 0 && errno != ESRCH)
      fall_back("pidfd_open failed");
    if (pidfd >= 0 && start_time(r.pid) == r.pid_start) {
      syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    } else if (pidfd >= 0) {
      close(pidfd); /* the pid is another process's now: ours has ended */
      pidfd = -1;
    }
  }
  await_gone(id, &r, pidfd);
  int lock = take_name_lock(id, rel.lock);
  if (lstat(rel.run_dir, &st) == 0) { /* reclaimIfDead: what the run left, in the reverse order of its setups */
    release_netns(id, rel.netns);
    for (int i = 0, j; i < rel.group_count; i = j) {
      for (j = i; j < rel.group_count && rel.groups[j].unified == rel.groups[i].unified; j++)
        ;
      remove_driver_groups(&rel, i, j);
    }
    for (int i = 0; i < rel.parent_count; i++)
      rmdir(rel.parents[i]); /* CgroupSetup.removeAncestors: one another container still uses stays */
    delete_tree(rel.run_dir);
  }
  unlink(rel.lock); /* NameLock.close: deleted while held, so a waiting locker starts over */
  close(lock);
  snprintf(path, sizeof path, "%s/%s", root, id);
  delete_tree(path);
  return 0;
}

/* Whether s can be used as given: an absolute, normalized path (as Java's toAbsolutePath().normalize()). */
static int normal_absolute(const char *s) {
  size_t n = strlen(s);
  return s[0] == '/' && n > 1 && s[n - 1] != '/' && !strstr(s, "//") && !strstr(s, "/./") && !strstr(s, "/../") &&
         !(n >= 2 && strcmp(s + n - 2, "/.") == 0) && !(n >= 3 && strcmp(s + n - 3, "/..") == 0);
}

/* Whether id names one directory under the root, as the Java side would resolve it. */
static int plain_id(const char *id) {
  return *id && *id != '.' && *id != '-' && !strchr(id, '/');
}

/* ---- create through the create server (dev.poc.oci.OciServer) ----
 *
 * A warm JVM does the create; this process stays the caller's: it starts poc-init itself when the
 * server asks (so the init inherits the caller's stdio, and the caller's subreaper adopts it), then
 * prints the server's stderr text and exits with its code. The server answers only a caller that
 * sees the host as it does; anything else, and no server at all, is a fall back to the JVM, before
 * anything has started. A server that leaves mid-way is an error: the next delete removes what it
 * left. */

/* The variables a create reads (OciServer.relevantEnvironment): PATH, TERM and POC_* but the plumbing's. */
static int relevant(const char *entry) {
  if (strncmp(entry, "PATH=", 5) == 0 || strncmp(entry, "TERM=", 5) == 0)
    return 1;
  return strncmp(entry, "POC_", 4) == 0 && strncmp(entry, "POC_OCI_FRONT", 13) != 0 &&
         strncmp(entry, "POC_OCI_LAUNCHER=", 17) != 0 && strncmp(entry, "POC_OCI_JAR=", 12) != 0 &&
         strncmp(entry, "POC_OCI_SERVER", 14) != 0;
}

/* The create server's socket for the jar ./poc-oci runs ($POC_OCI_JAR), unless POC_OCI_SERVER=off:
 * in $POC_OCI_SERVER_DIR, else /run/poc-oci-server (root), else $XDG_RUNTIME_DIR/poc-oci-server
 * (front-client.h's front_find_server). */
static void find_server_socket(void) {
  static int tried;
  const char *off = getenv("POC_OCI_SERVER");
  if (tried++ || (off && strcmp(off, "off") == 0))
    return;
  front_find_server(getenv("POC_OCI_JAR"), getenv("POC_OCI_SERVER_DIR"), "poc-oci-server", relevant);
}

static int preserve_fds; /* create --preserve-fds */

/* create --preserve-fds N: N, once fds 3..N+2 proved open. Checked before we open anything, so
 * that none of ours can sit in a gap of the caller's and reach the container in its place. */
static void preserved_fds(int argc, char **argv) {
  for (int k = 1; k < argc; k++) {
    const char *v = NULL;
    if (strcmp(argv[k], "--preserve-fds") == 0 && k + 1 < argc)
      v = argv[k + 1];
    else if (strncmp(argv[k], "--preserve-fds=", 15) == 0)
      v = argv[k] + 15;
    if (!v)
      continue;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0 || n > 64)
      fall_back("a --preserve-fds the JVM refuses");
    for (int fd = 3; fd < 3 + n; fd++) {
      if (fcntl(fd, F_GETFD) < 0) {
        fprintf(stderr, "poc-oci: create --preserve-fds %ld: fd %d is not open: pass fds 3 to %ld, or a smaller count\n",
            n, fd, 2 + n);
        exit(1);
      }
    }
    preserve_fds = (int)n;
  }
}

/* The server's create; returns only by falling back (no server, or one that will not answer this caller). */
static void verb_create(int argc, char **argv) {
  preserved_fds(argc, argv);
  find_server_socket();
  if (!*server_socket)
    fall_back("create: no server to use (POC_OCI_SERVER=off, or no POC_OCI_JAR)");
  pid_t server_pid;
  const char *why;
  int fd = front_open("POC_OCI_SERVER_NONE", &server_pid, &why); /* none: ./poc-oci starts one */
  if (fd < 0)
    fall_back(why);
  struct buffer request = { 0 };
  if ((why = front_build_request(&request, "poc-oci-create 1", getenv("POC_OCI_JAR"), argc, argv)))
    fall_back(why);
  char line[8192];
  if (send_all(fd, request.data, request.len) < 0 || read_line(fd, line, sizeof line) < 0)
    fall_back("create: the server left before answering");
  free(request.data);
  if (strncmp(line, "FALLBACK", 8) == 0)
    fall_back(line);
  if (strcmp(line, "OK") != 0)
    fall_back("create: the server said something else than OK");
  pid_t helper = 0;
  for (;;) {
    if (read_line(fd, line, sizeof line) < 0)
      break;
    int code;
    long text_len;
    char reply[4300];
    if (front_spawn(line, server_pid, preserve_fds, 0, &helper, reply, sizeof reply)) {
      if (send_all(fd, reply, strlen(reply)) < 0)
        break;
    } else if (sscanf(line, "EXIT %d %ld", &code, &text_len) == 2 && text_len >= 0) {
      fflush(stderr);
      front_copy(fd, 2, text_len);
      if (helper > 0) {
        if (code != 0)
          kill(helper, SIGKILL); /* the server gave up on it; it may still wait for its plan */
        while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {
        }
      }
      exit(code < 0 || code > 255 ? 255 : code);
    } else {
      break;
    }
  }
  if (helper > 0) {
    kill(helper, SIGKILL);
    while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  fail("the create server (%s) ended in the middle of this create: the container may be half made; "
       "poc-oci delete --force ID removes what it left, then create again (POC_OCI_SERVER=off: without a server)",
       server_socket);
}

int main(int argc, char **argv) {
  original_argv = argv;
  unsetenv("POC_OCI_SERVER_NONE"); /* ours to set, for ./poc-oci */
  int i = 1;
  /* the global flags, as OciMain.globals reads them; anything else is the JVM's to judge */
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[i + 1] : NULL);
#define FLAG(name) (len == strlen(name) && strncmp(a, name, len) == 0)
    if (FLAG("--root") || FLAG("--log") || FLAG("--log-format")) {
      if (!value)
        fall_back("a flag without its value");
      if (!eq)
        i++;
      if (FLAG("--root"))
        root = value;
      else if (FLAG("--log"))
        log_file = value;
      else if (strcmp(value, "json") == 0 || strcmp(value, "text") == 0)
        json_log = strcmp(value, "json") == 0;
      else
        fall_back("a --log-format the JVM refuses");
    } else if (strcmp(a, "--debug") == 0) {
      fall_back("--debug: the JVM prints its stack traces and warnings");
    } else {
      fall_back("a global flag the JVM handles");
    }
#undef FLAG
  }
  if (i >= argc)
    fall_back("no verb");
  if (strcmp(argv[i], "create") == 0)
    verb_create(argc, argv); /* the server resolves --root and the paths against our directory */
  if (!normal_absolute(root))
    fall_back("a --root the JVM normalizes");
  const char *verb = argv[i++];
  int force = 0;
  if (strcmp(verb, "delete") == 0 && i < argc && (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)) {
    force = 1;
    i++;
  }
  int operands = argc - i;
  for (int k = i; k < argc; k++)
    if (argv[k][0] == '-')
      fall_back("a verb flag");
  if (operands < 1 || !plain_id(argv[i]))
    fall_back("no plain id");
  if (strcmp(verb, "state") == 0 && operands == 1)
    return verb_state(argv[i]);
  if (strcmp(verb, "kill") == 0 && operands <= 2)
    return verb_kill(argv[i], operands == 2 ? argv[i + 1] : "TERM");
  if (strcmp(verb, "start") == 0 && operands == 1)
    return verb_start(argv[i]);
  if (strcmp(verb, "delete") == 0 && operands == 1)
    return verb_delete(argv[i], force);
  fall_back("a verb the JVM answers");
}
