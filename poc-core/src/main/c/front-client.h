/*
 * front-client.h: what poc's two native fronts share as clients of a warm JVM server (poc-oci-front
 * and dev.poc.oci.OciServer, poc-front and dev.poc.cli.CliServer): finding the server's socket for
 * this caller, making sure the process behind it is the server this user started, describing what
 * this process sees of the host (the server checks it against /proc), and starting poc-init when
 * the server says SPAWN, only from a binary the runtime unpacked and with no fd of ours but stdio.
 *
 * Included once by each front (each is one static binary); everything here is static. The includer
 * defines PROGRAM (the name its errors start with) before including it.
 */
#ifndef POC_FRONT_CLIENT_H
#define POC_FRONT_CLIENT_H
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef MAX_FILE
#define MAX_FILE (1 << 20)
#endif

static char server_socket[108]; /* the server's socket; empty: none to use */

/* Whether an environment entry is one the server compares (and that names the server). */
typedef int (*relevant_fn)(const char *entry);

/* Reads a whole file (at most MAX_FILE bytes) into a NUL-terminated buffer; NULL with errno set. */
static char *read_file(const char *path, size_t *length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  char *buf = malloc(MAX_FILE + 1);
  size_t n = 0;
  ssize_t r;
  while (buf && n < MAX_FILE && (r = read(fd, buf + n, MAX_FILE - n)) != 0) {
    if (r < 0) {
      if (errno == EINTR)
        continue;
      int e = errno;
      free(buf);
      close(fd);
      errno = e;
      return NULL;
    }
    n += (size_t)r;
  }
  close(fd);
  if (!buf || n == MAX_FILE) {
    free(buf);
    errno = EFBIG;
    return NULL;
  }
  buf[n] = 0;
  if (length)
    *length = n;
  return buf;
}

struct buffer {
  char *data;
  size_t len, cap;
  int failed;
};

static void put(struct buffer *b, const char *s, size_t n) {
  if (b->failed)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *grown = realloc(b->data, cap);
    if (!grown) {
      b->failed = 1; /* cap unchanged: nothing more is written */
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
}

/* One NUL-terminated string of the request. */
static void put_string(struct buffer *b, const char *s) {
  put(b, s, strlen(s) + 1);
}

static void put_number(struct buffer *b, long n) {
  char text[32];
  snprintf(text, sizeof text, "%ld", n);
  put_string(b, text);
}

/* "CapInh:… CapPrm:… CapEff:… CapBnd:… CapAmb:… NoNewPrivs:N Seccomp:N" (PeerView reads the same from /proc). */
static int credentials(char *text, size_t size) {
  char *status = read_file("/proc/self/status", NULL);
  if (!status)
    return -1;
  static const char *const cred[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:" };
  text[0] = 0;
  for (size_t k = 0; k < sizeof cred / sizeof cred[0]; k++) {
    size_t n = strlen(cred[k]), used = strlen(text);
    for (char *line = status; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
      if (strncmp(line, cred[k], n) == 0) {
        char *value = line + n, *eol = strchr(value, '\n');
        while (*value == ' ' || *value == '\t')
          value++;
        int len = eol ? (int)(eol - value) : (int)strlen(value);
        snprintf(text + used, size - used, "%s%s%.*s", used ? " " : "", cred[k], len, value);
        break;
      }
    }
  }
  free(status);
  return 0;
}

/* What this process sees of the host, as FrontRequest reads it after the caller's directory:
 * umask, namespaces, credentials, the relevant environment, then /proc/self/cgroup. -1: unknown. */
static struct buffer host_view;
static size_t host_view_hashed; /* the bytes that name the server: all but the cgroup, unless rootless */

static int describe_host(relevant_fn relevant) {
  extern char **environ;
  struct buffer *b = &host_view;
  char text[4096], link[256];
  mode_t mask = umask(0);
  umask(mask);
  snprintf(text, sizeof text, "%04o", (unsigned)mask);
  put_string(b, text);
  static const char *const ns[] = { "mnt", "pid", "net", "cgroup", "user", "ipc", "uts" };
  text[0] = 0;
  for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns[k]);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0)
      return -1;
    link[n] = 0;
    if (k)
      strcat(text, " ");
    strcat(text, link);
  }
  put_string(b, text);
  if (credentials(text, sizeof text) < 0)
    return -1;
  put_string(b, text);
  long count = 0;
  for (char **e = environ; *e; e++)
    count += relevant(*e);
  put_number(b, count);
  for (char **e = environ; *e; e++)
    if (relevant(*e))
      put_string(b, *e);
  host_view_hashed = b->len;
  char *cgroup = read_file("/proc/self/cgroup", NULL);
  if (!cgroup)
    return -1;
  put_string(b, cgroup);
  free(cgroup);
  if (geteuid() != 0)
    host_view_hashed = b->len; /* rootless: a container's group is found from the caller's own */
  return b->failed ? -1 : 0;
}

/* The server's socket for `jar` and for callers that see the host as this one does: in `dir` when
 * absolute, else /run/NAME (root), else $XDG_RUNTIME_DIR/NAME; named by a hash of the jar's path and
 * of that view (umask, namespaces, credentials, the environment `relevant` picks), so two checkouts,
 * or two callers with another PATH, each have a server of their own. Empty when there is none. */
static void front_find_server(const char *jar, const char *dir, const char *name, relevant_fn relevant) {
  char xdg[4096], own[4096];
  if (!jar || jar[0] != '/')
    return;
  if (!dir || dir[0] != '/') {
    const char *run = getenv("XDG_RUNTIME_DIR");
    if (geteuid() == 0 && (size_t)snprintf(own, sizeof own, "/run/%s", name) < sizeof own)
      dir = own;
    else if (run && run[0] == '/' && (size_t)snprintf(xdg, sizeof xdg, "%s/%s", run, name) < sizeof xdg)
      dir = xdg;
    else
      return;
  }
  if (describe_host(relevant) < 0)
    return;
  unsigned long long h = 14695981039346656037ULL; /* FNV-1a */
  for (const unsigned char *p = (const unsigned char *)jar; *p; p++)
    h = (h ^ *p) * 1099511628211ULL;
  for (size_t k = 0; k < host_view_hashed; k++)
    h = (h ^ (unsigned char)host_view.data[k]) * 1099511628211ULL;
  if ((size_t)snprintf(server_socket, sizeof server_socket, "%s/%016llx.sock", dir, h) >= sizeof server_socket)
    server_socket[0] = 0;
}

/* The signals a front passes on to its server, and their dispositions as the caller left them
 * (saved by the front before it installs its handlers; front_saved_signals says it did). */
static const int front_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define FRONT_SIGNALS (sizeof front_signals / sizeof front_signals[0])
static struct sigaction front_original[FRONT_SIGNALS];
static int front_saved_signals;

/* Gives back the caller's dispositions (an ignored signal stays ignored across exec; a handled one
 * would be reset to the default anyway, a default one stays so). */
static void front_restore_signals(void) {
  if (!front_saved_signals)
    return;
  for (size_t k = 0; k < FRONT_SIGNALS; k++)
    sigaction(front_signals[k], &front_original[k], NULL);
}

/* A line from the server, without its newline; -1 at its end. Byte by byte: a handful of short lines. */
static int read_line(int fd, char *out, size_t size) {
  size_t n = 0;
  for (;;) {
    char c;
    ssize_t r = read(fd, &c, 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    if (c == '\n')
      break;
    if (n + 1 < size)
      out[n++] = c;
  }
  out[n] = 0;
  return (int)n;
}

static int send_all(int fd, const char *data, size_t len) {
  while (len) {
    ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

/* Whether the server at the other end of fd is the one this user started: the socket's directory is
 * a real directory of ours, mode 0700 (so no one else could have bound in it), and the peer's uid is
 * ours and its pid the one the server wrote to SOCKET.pid. Its pid goes to *server_pid. */
static int trusted_server(int fd, pid_t *server_pid) {
  char dir[sizeof server_socket], pid_file[sizeof server_socket + 8];
  struct stat st;
  snprintf(dir, sizeof dir, "%s", server_socket);
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir)
    return 0;
  *slash = 0;
  if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
    return 0;
  struct ucred peer;
  socklen_t len = sizeof peer;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0 || peer.uid != geteuid())
    return 0;
  snprintf(pid_file, sizeof pid_file, "%s.pid", server_socket);
  int pf = open(pid_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (pf < 0)
    return 0;
  char text[32] = { 0 };
  ssize_t n = fstat(pf, &st) == 0 && st.st_uid == geteuid() && S_ISREG(st.st_mode) ? read(pf, text, sizeof text - 1) : -1;
  close(pf);
  if (n <= 0 || atoi(text) != peer.pid)
    return 0;
  *server_pid = peer.pid;
  return 1;
}

/* The poc-init the server names, opened (no symlink followed) for fexecve once it proved to be what
 * the runtime unpacks: a regular file named poc-init-*, in a directory named bin (root's:
 * /run/poc/bin), no "." or ".." in its path, file and directory owned by root or by us and writable
 * by no one else. -1 with why[] said otherwise: a server must not make us run just any file. */
static int open_init_binary(const char *path, char *why, size_t size) {
  const char *base = strrchr(path, '/');
  struct stat st;
  /* the prefix checks below read the path as text: a "." or ".." component (or an empty one) would
   * let /run/poc/bin/../../x pass them */
  for (const char *c = path; *c == '/'; ) {
    const char *end = strchrnul(c + 1, '/');
    size_t n = (size_t)(end - c - 1);
    if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.')) {
      snprintf(why, size, "%s has an empty, \".\" or \"..\" component: poc-init's path is a plain one", path);
      return -1;
    }
    c = end;
  }
  if (path[0] != '/' || !base || strncmp(base + 1, "poc-init-", 9) != 0 || base - path < 4 ||
      strncmp(base - 4, "/bin", 4) != 0 || (geteuid() == 0 && strncmp(path, "/run/poc/bin/", 13) != 0)) {
    snprintf(why, size, "%s is not where the runtime unpacks poc-init", path);
    return -1;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(base - path), path);
  if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
    snprintf(why, size, "%s is no directory of root's or ours that only its owner can write", dir);
    return -1;
  }
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, size, "open %s: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
    snprintf(why, size, "%s is no regular file of root's or ours that only its owner can write", path);
    close(fd);
    return -1;
  }
  return fd;
}

/* The child's side of SPAWN: poc-init gets the caller's stdio and nothing else of ours (no other fd
 * of the caller's reaches the container: CVE-2024-21626's class), an environment that names only
 * the server's sealed image (which poc-init runs only if it is sealed), and runs from binary_fd.
 * preserve_fds: the caller's 3..N+2 go too (checked open by the caller), and only those. */
static void exec_init(int binary_fd, char *binary, char *socket_path, const char *image, int preserve_fds) {
  int image_fd = 3 + preserve_fds;
  if (dup2(binary_fd, image_fd) < 0 || fcntl(image_fd, F_SETFD, FD_CLOEXEC) < 0)
    _exit(127);
  for (int k = 3; k < image_fd; k++)
    if (fcntl(k, F_SETFD, 0) < 0)
      _exit(127);
  if (syscall(SYS_close_range, (unsigned)image_fd + 1, ~0U, 0U) < 0) {
    DIR *fds = opendir("/proc/self/fd"); /* kernels before 5.9 */
    if (!fds)
      _exit(127);
    int own = dirfd(fds);
    struct dirent *e;
    while ((e = readdir(fds)))
      if (atoi(e->d_name) > image_fd && atoi(e->d_name) != own)
        close(atoi(e->d_name));
    closedir(fds);
  }
  char env_line[4200];
  char *child_argv[] = { binary, socket_path, NULL }, *child_env[] = { NULL, NULL };
  if (image && (size_t)snprintf(env_line, sizeof env_line, "POC_INIT_IMAGE=%s", image) < sizeof env_line)
    child_env[0] = env_line;
  fexecve(image_fd, child_argv, child_env);
  fprintf(stderr, PROGRAM ": exec %s: %s\n", binary, strerror(errno));
  _exit(127);
}

/*
 * Answers one of the server's lines if it is SPAWN BINARY SOCKET [IMAGE]: starts poc-init (unless
 * one was started already, *helper > 0) and writes the answer to `reply` (PID N, or FAILED why).
 * The binary must be what the runtime unpacks, the image the server's own open file
 * (/proc/SERVER/fd/N). die_with_us: the helper gets SIGKILL when this process dies (a foreground
 * run's container dies with its caller). Returns 0 when the line was no SPAWN.
 */
static int front_spawn(const char *line, pid_t server_pid, int preserve_fds, int die_with_us, pid_t *helper,
                       char *reply, size_t size) {
  char binary[4096], socket_path[4096], image[4096], why[4200];
  int fields = sscanf(line, "SPAWN %4095s %4095s %4095s", binary, socket_path, image);
  if (fields < 2 || *helper != 0)
    return 0;
  char prefix[64];
  int prefix_len = snprintf(prefix, sizeof prefix, "/proc/%d/fd/", (int)server_pid);
  int binary_fd = open_init_binary(binary, why, sizeof why);
  pid_t parent = getpid();
  if (binary_fd < 0) {
    snprintf(reply, size, "FAILED %s\n", why);
  } else if (fields == 3 && (strncmp(image, prefix, (size_t)prefix_len) != 0 || strchr(image + prefix_len, '/'))) {
    snprintf(reply, size, "FAILED the image %s is not the server's (%s*)\n", image, prefix);
  } else if ((*helper = fork()) == 0) {
    front_restore_signals(); /* poc-init inherits what the caller ignores, as from the JVM CLI */
    sigset_t none; /* a front may hold signals back for itself; an exec would keep them blocked */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (die_with_us && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent))
      _exit(127); /* we died already: nobody would wait for this one */
    exec_init(binary_fd, binary, socket_path, fields == 3 ? image : NULL, preserve_fds); /* the caller's stdio */
  } else if (*helper < 0) {
    int e = errno;
    *helper = 0;
    snprintf(reply, size, "FAILED fork: %s\n", strerror(e));
  } else {
    snprintf(reply, size, "PID %d\n", (int)*helper);
  }
  if (binary_fd >= 0)
    close(binary_fd);
  return 1;
}

/*
 * Connects to server_socket and checks that the server is this user's own (trusted_server); the
 * socket, its pid in *server_pid. -1 with *why said otherwise, and when no server listens there (no
 * socket, or a dead server's) `none_env`=1 is set, for the launcher to start one.
 */
static int front_open(const char *none_env, pid_t *server_pid, const char **why) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strcpy(addr.sun_path, server_socket);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    if (fd >= 0 && (errno == ENOENT || errno == ECONNREFUSED))
      setenv(none_env, "1", 1);
    if (fd >= 0)
      close(fd);
    *why = "no server listening";
    return -1;
  }
  if (!trusted_server(fd, server_pid)) {
    close(fd);
    *why = "the socket's directory, its server's uid or its pid file is not this user's own";
    return -1;
  }
  return fd;
}

/* The request (FrontRequest's wire format) for `jar`'s server: protocol, the jar's identity, our
 * directory, host_view, then argv[1..]. NULL, or what this process could not say of itself. */
static const char *front_build_request(struct buffer *b, const char *protocol, const char *jar, int argc, char **argv) {
  char text[4096];
  struct stat st;
  put_string(b, protocol);
  if (stat(jar, &st) < 0)
    return "no jar to name";
  snprintf(text, sizeof text, "%s %lld.%09ld %lld", jar, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
           (long long)st.st_size);
  put_string(b, text);
  if (!getcwd(text, sizeof text))
    return "no current directory";
  put_string(b, text);
  put(b, host_view.data, host_view.len);
  put_number(b, argc - 1);
  for (int k = 1; k < argc; k++)
    put_string(b, argv[k]);
  return b->failed ? "out of memory" : NULL;
}

/* Copies n bytes of the server's text from `from` to fd `to`; 0, or -1 when the server left first.
 * A closed `to` loses the text, as the JVM's would be lost. */
static int front_copy(int from, int to, long n) {
  char buf[8192];
  while (n > 0) {
    ssize_t r = read(from, buf, n < (long)sizeof buf ? (size_t)n : sizeof buf);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    for (ssize_t off = 0; off < r;) {
      ssize_t w = write(to, buf + off, (size_t)(r - off));
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        break;
      off += w;
    }
    n -= r;
  }
  return 0;
}

#endif
