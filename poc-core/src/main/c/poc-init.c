/*
 * poc-init: the part of poc that must run between clone and exec.
 *
 * The JVM cannot unshare a mount namespace (it is multi-threaded), so this small single-threaded
 * helper does it. Usage: poc-init SOCKET. It connects to the runtime's control socket, reads its
 * plan, and clones the container init (PID 1 of the new PID namespace). The init builds the root
 * filesystem, pivots into it, enters its cgroups, waits for GO (the host side has moved its
 * network interface in), then forks the command, reaps and forwards signals.
 *
 * Processes:  JVM --socket-- outer (this process, host side) --pipes-- init (PID 1) -- command
 *
 * Lines to the JVM:  PID n | READY | EXEC | EXECFAIL errno path | ERR text | EXIT code n | EXIT signal n
 *                    (profiled, plan key times: TIMES t1..t7 just before EXIT)
 *                    (exec mode, poc-init exec SOCKET: PID n | EXEC | EXECFAIL | ERR | EXIT)
 * Lines from the JVM: JOIN (when the plan has cgjoinlate: the groups are made), then GO
 * The outer kills the container when the socket closes (the JVM died), unless detached.
 *
 * The OCI "created" state (plan key startfifo PATH, for poc-oci): `create` and `start` are two
 * processes, and the engine that runs them (containerd's shim) must become the init's parent, since
 * it learns the container's exit by reaping it. So the outer opens the FIFO the JVM made in the
 * state directory (read and write, so the init's read blocks instead of seeing EOF) before the
 * clone, and closes its copy after: the init holds the only reader. It also duplicates the JVM's
 * flock on the container's name (plan key lockfrom PID FD, pidfd_getfd), so the init holds the
 * name for as long as it lives and no reclaim or prune takes the container. On GO, once the init
 * has said READY (its root is built, or its ERR has reached the JVM), the outer hands GO to the
 * init, says CREATED and exits; the init, reparented to the nearest subreaper, waits on the FIFO
 * until `start` writes a byte into it, then forks the command. `start` opens the FIFO with
 * O_NONBLOCK, so a dead init (no reader) is ENXIO, not a hang. Why not runc's exec.fifo open, or
 * a socket: a FIFO needs no listener and no thread, only an inherited fd and one read; and the
 * outer, not the init, opens it, so the init never reaches back into the host's filesystem.
 *
 * OCI exec --detach (plan keys target and detach): the outer says EXEC once the command runs and
 * leaves, so the command is adopted by the engine's shim, which reaps it; its stdio is the
 * engine's, passed as it is. With a terminal and plan key console PATH, the pty master goes to
 * that socket (SCM_RIGHTS, runc's protocol) instead of being relayed, sized by plan key winsize.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_pivot_root
#define SYS_pivot_root 155
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define CLONE_INTO_CGROUP_ 0x200000000ULL
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#define OPEN_TREE_CLONE_ 1
#define MOVE_MOUNT_F_EMPTY_PATH_ 0x04
#define MOVE_MOUNT_F_SYMLINKS_ 0x01
#define MOVE_MOUNT_T_EMPTY_PATH_ 0x40
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#define PR_CAP_AMBIENT_ 47
#define PR_CAP_AMBIENT_CLEAR_ALL_ 4

struct open_how_ { uint64_t flags, mode, resolve; };
struct mount_attr_ { uint64_t attr_set, attr_clr, propagation, userns_fd; };
struct cap_header_ { uint32_t version; int pid; };
struct cap_data_ { uint32_t effective, permitted, inheritable; };
struct clone_args_ { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
                     set_tid, set_tid_size, cgroup; };

#define CAP_KILL_ 5

#define MAX_ITEMS 1024

struct item { const char *key; const char *v[4]; };

static struct {
  int nsflags, uid, gid, tty, detach;
  int times;                               /* profile: the init reports its steps' instants (TIMES line) */
  const char *hostname, *cwd;
  const char *domainname;                  /* OCI's domainname, set in the new UTS namespace */
  uint64_t caps;                           /* bit n: capability n, what a root command keeps */
  const char *seccomp;                     /* the filter, hex of struct sock_filter[]; none: unconfined */
  int seccomp_early;                       /* install it in the init before READY (a profile that allows the rest) */
  const char **args; int nargs;           /* args, env and ops: MAX_ITEMS each, in plan_lists */
  const char **env; int nenv;
  gid_t groups[64]; int ngroups;
  struct item *ops; int nops;             /* uppertmpfs, root, mkdir, symlink, bind, tmpfs: in order */
  const char *net[4]; int has_net;
  const char *cgjoin[8]; int ncgjoin;     /* v1 tasks files the init moves itself into */
  const char *cgroot[8]; int cglate;      /* for each: its hierarchy's root when the file is made late
                                             (cgjoinlate ROOT REL, then JOIN), else NULL */
  const char *cgborn;                     /* the v2 group the init is born in */
  const char *nsjoin[8][2]; int nnsjoin;  /* namespaces joined, not made: clone flag, path */
  const char *sysctl[32][2]; int nsysctl;  /* namespaced sysctls: key (dotted), value */
  int target;                              /* exec mode: the host pid of the container's init */
  const char *startfifo;                   /* OCI: the init waits here for `start`; the outer leaves at GO */
  int startfd;                             /* the FIFO, open read-write, inherited by the init */
  const char *lockfrom[2];                 /* OCI: pid and fd of the JVM's name lock, shared by the init */
  const char *cgroups[32]; int ncgroups;   /* exec mode: cgroup.procs files to join */
  const char *log; long long log_max; int log_mask; /* the output log: path, cap, streams (1: out, 2: err) */
  const char *shm;                         /* the size of /dev/shm, as tmpfs's size= takes it */
  const char *uidmap, *gidmap;             /* a user namespace: its maps, as /proc/PID/uid_map takes them */
  const char *idmaptool[2];                /* newuidmap, newgidmap: write the maps for us (subordinate ids) */
  const char *console;                     /* OCI: the socket the pty master goes to (SCM_RIGHTS), not relayed */
  unsigned short rows, cols;               /* OCI: the pty's size (consoleSize); 0: the user's terminal's */
  int rlimit_res[16]; unsigned long long rlimit_val[16][2]; int nrlimit; /* OCI exec: resource, soft, hard */
  /* OCI's process (poc-oci only): the command's capability sets beyond the bounding set, kept
     for any uid; no_new_privs as the config says; its umask. Unset: poc's own rules (above). */
  int oci_caps; uint64_t cap_eff, cap_perm, cap_inh, cap_amb;
  int nnp_off;                             /* OCI noNewPrivileges false */
  int umask;                               /* -1: inherited */
  /* OCI's linux section (poc-oci only): maskedPaths and readonlyPaths in place of poc's own lists,
     and the root's propagation once pivoted (MS_SHARED, MS_SLAVE, ... | MS_REC; 0: private) */
  int oci_masks; const char *mask[64]; int nmask; const char *rdonly[64]; int nrdonly;
  unsigned long rootprop;
  int hostmnt;                             /* OCI without a mount namespace: the init ends in the host's */
  int nfds; const char *fds_from;          /* OCI --preserve-fds: how many (from fd 3), and whose: a pid, or "0": ours */
} plan;

/* --preserve-fds: the caller's fds 3.., held close-on-exec by the outer and the init (so no hook,
 * and nothing the init runs, gets them), closed by each once the next holds them, and put back
 * at 3.. without close-on-exec only in the command. */
#define MAX_PRESERVED 64
static int held[MAX_PRESERVED];

/* OCI hooks run by the init itself (poc-oci only): createContainer in build_root before pivot_root,
 * startContainer after `start`, before the command's fork. Plan keys: hook PHASE PATH TIMEOUT, then
 * for that hook hookstate PREFIX SUFFIX (its state JSON, the init's host pid between them),
 * hookarg ARG (argv, argv[0] first) and hookenv NAME=VALUE. */
#define MAX_HOOKS 8
#define MAX_HOOK_ITEMS 64
static struct hook {
  const char *phase, *path, *state[2];
  int timeout;                              /* seconds; 0: none */
  const char *argv[MAX_HOOK_ITEMS + 1]; int nargs;
  const char *envp[MAX_HOOK_ITEMS + 1]; int nenv;
} hooks[MAX_HOOKS];
static int nhooks;
static char host_pid[24];                   /* the init's pid in the runtime's pid namespace, for the state */

static int report_fd = -1; /* where error lines go: the socket (outer) or the pipe (init) */

/* OCI: the engine's stdio goes to the process as it is, and the outer leaves early (create at GO,
 * exec --detach once the command runs; the engine's shim reaps it), so there is no one to relay
 * through or to die with. */
static int handed_off(void) { return plan.startfifo || (plan.target && plan.detach); }

static void say(const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
  buf[n++] = '\n';
  for (int off = 0; off < n;) {
    ssize_t w = write(report_fd, buf + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    off += w;
  }
}

/* A failed step: say which and why, then leave. */
static void die(const char *step, const char *what) {
  say("ERR %s %s: %s", step, what ? what : "", strerror(errno));
  _exit(120);
}

static int read_full(int fd, void *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t r = read(fd, (char *)buf + off, len - off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    off += r;
  }
  return 0;
}

/* Memory of its own mapping, so that the init can give it back once its command runs: malloc's
 * arenas would keep the pages. */
static void *map_pages(size_t len) {
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static char *plan_mem; /* the plan's text, which every string of the plan points into */
static size_t plan_mem_len;
static void *plan_lists; /* the plan's long lists (arguments, environment, root's ops): 56 KiB of
                            address space, of which a plan touches a page or two per list */
#define PLAN_LISTS_LEN (2 * MAX_ITEMS * sizeof(char *) + MAX_ITEMS * sizeof(struct item))

/* The plan: a little-endian u32 length, then NUL-terminated strings: key, then its fields. */
static int arity(const char *k) {
  if (!strcmp(k, "root")) return 4;
  if (!strcmp(k, "bind")) return 3;
  if (!strcmp(k, "mkdir") || !strcmp(k, "symlink") || !strcmp(k, "tmpfs") || !strcmp(k, "uppertmpfs")
      || !strcmp(k, "file")) return 2;
  if (!strcmp(k, "net") || !strcmp(k, "ocicaps") || !strcmp(k, "mknod")) return 4;
  if (!strcmp(k, "log") || !strcmp(k, "rlimit") || !strcmp(k, "hook")) return 3;
  if (!strcmp(k, "hookstate")) return 2;
  if (!strcmp(k, "nsjoin") || !strcmp(k, "sysctl") || !strcmp(k, "lockfrom") || !strcmp(k, "winsize")
      || !strcmp(k, "idmaptool") || !strcmp(k, "propagate") || !strcmp(k, "fds") || !strcmp(k, "cgjoinlate")) return 2;
  if (!strcmp(k, "end")) return 0;
  return 1;
}

static void read_plan(int fd) {
  uint32_t len;
  if (read_full(fd, &len, 4) < 0 || len > (16u << 20)) { errno = EPROTO; die("plan", "read length"); }
  char *buf = map_pages(len + 1);
  if (!buf) die("plan", "memory");
  plan_mem = buf;
  plan_mem_len = len + 1;
  if (!(plan_lists = map_pages(PLAN_LISTS_LEN))) die("plan", "memory"); /* zeroed: argv and envp end in NULL */
  plan.args = plan_lists;
  plan.env = plan.args + MAX_ITEMS;
  plan.ops = (struct item *)(plan.env + MAX_ITEMS);
  if (read_full(fd, buf, len) < 0) { errno = EPROTO; die("plan", "read body"); }
  buf[len] = 0;
  char *p = buf, *end = buf + len;
  plan.cwd = "/";
  plan.umask = -1;
#define NEXT() ({ if (p >= end) { errno = EPROTO; die("plan", "truncated"); } char *s_ = p; p += strlen(p) + 1; s_; })
  while (p < end) {
    const char *k = NEXT();
    int n = arity(k);
    const char *v[4] = {0};
    for (int i = 0; i < n; i++) v[i] = NEXT();
    if (!strcmp(k, "end")) break;
    if (!strcmp(k, "ns")) plan.nsflags = atoi(v[0]);
    else if (!strcmp(k, "hostname")) plan.hostname = v[0];
    else if (!strcmp(k, "domainname")) plan.domainname = v[0];
    else if (!strcmp(k, "cwd")) plan.cwd = v[0];
    else if (!strcmp(k, "uid")) plan.uid = atoi(v[0]);
    else if (!strcmp(k, "gid")) plan.gid = atoi(v[0]);
    else if (!strcmp(k, "tty")) plan.tty = atoi(v[0]);
    else if (!strcmp(k, "detach")) plan.detach = atoi(v[0]);
    else if (!strcmp(k, "times")) plan.times = atoi(v[0]);
    else if (!strcmp(k, "target")) plan.target = atoi(v[0]);
    else if (!strcmp(k, "cgroup") && plan.ncgroups < 32) plan.cgroups[plan.ncgroups++] = v[0];
    else if (!strcmp(k, "group") && plan.ngroups < 64) plan.groups[plan.ngroups++] = atoi(v[0]);
    else if (!strcmp(k, "arg") && plan.nargs < MAX_ITEMS - 1) plan.args[plan.nargs++] = v[0];
    else if (!strcmp(k, "env") && plan.nenv < MAX_ITEMS - 1) plan.env[plan.nenv++] = v[0];
    else if (!strcmp(k, "net")) { memcpy(plan.net, v, sizeof plan.net); plan.has_net = 1; }
    else if (!strcmp(k, "cgjoin") && plan.ncgjoin < 8) plan.cgjoin[plan.ncgjoin++] = v[0];
    else if (!strcmp(k, "cgjoinlate") && plan.ncgjoin < 8) {
      plan.cgroot[plan.ncgjoin] = v[0];
      plan.cgjoin[plan.ncgjoin++] = v[1];
      plan.cglate = 1;
    }
    else if (!strcmp(k, "cgborn")) plan.cgborn = v[0];
    else if (!strcmp(k, "shm")) plan.shm = v[0];
    else if (!strcmp(k, "log")) { plan.log = v[0]; plan.log_max = atoll(v[1]); plan.log_mask = atoi(v[2]); }
    else if (!strcmp(k, "nsjoin") && plan.nnsjoin < 8) { plan.nsjoin[plan.nnsjoin][0] = v[0]; plan.nsjoin[plan.nnsjoin++][1] = v[1]; }
    else if (!strcmp(k, "caps")) plan.caps = strtoull(v[0], NULL, 10);
    else if (!strcmp(k, "seccomp")) plan.seccomp = v[0];
    else if (!strcmp(k, "seccompearly")) plan.seccomp_early = atoi(v[0]);
    else if (!strcmp(k, "startfifo")) plan.startfifo = v[0];
    else if (!strcmp(k, "uidmap")) plan.uidmap = v[0];
    else if (!strcmp(k, "gidmap")) plan.gidmap = v[0];
    else if (!strcmp(k, "idmaptool")) { plan.idmaptool[0] = v[0]; plan.idmaptool[1] = v[1]; }
    else if (!strcmp(k, "console")) plan.console = v[0];
    else if (!strcmp(k, "winsize")) { plan.rows = (unsigned short)atoi(v[0]); plan.cols = (unsigned short)atoi(v[1]); }
    else if (!strcmp(k, "rlimit") && plan.nrlimit < 16) {
      plan.rlimit_res[plan.nrlimit] = atoi(v[0]);
      plan.rlimit_val[plan.nrlimit][0] = strtoull(v[1], NULL, 10);
      plan.rlimit_val[plan.nrlimit++][1] = strtoull(v[2], NULL, 10);
    }
    else if (!strcmp(k, "ocicaps")) {
      plan.oci_caps = 1;
      plan.cap_eff = strtoull(v[0], NULL, 10);
      plan.cap_perm = strtoull(v[1], NULL, 10);
      plan.cap_inh = strtoull(v[2], NULL, 10);
      plan.cap_amb = strtoull(v[3], NULL, 10);
    }
    else if (!strcmp(k, "nnp")) plan.nnp_off = !atoi(v[0]);
    else if (!strcmp(k, "umask")) plan.umask = (int)strtol(v[0], NULL, 8);
    else if (!strcmp(k, "ocimasks")) plan.oci_masks = 1;
    else if (!strcmp(k, "mask") && plan.nmask < 64) plan.mask[plan.nmask++] = v[0];
    else if (!strcmp(k, "rdonly") && plan.nrdonly < 64) plan.rdonly[plan.nrdonly++] = v[0];
    else if (!strcmp(k, "rootprop")) plan.rootprop = strtoul(v[0], NULL, 10);
    else if (!strcmp(k, "hostmnt")) plan.hostmnt = atoi(v[0]);
    else if (!strcmp(k, "lockfrom")) { plan.lockfrom[0] = v[0]; plan.lockfrom[1] = v[1]; }
    else if (!strcmp(k, "sysctl") && plan.nsysctl < 32) { plan.sysctl[plan.nsysctl][0] = v[0]; plan.sysctl[plan.nsysctl++][1] = v[1]; }
    else if (!strcmp(k, "fds")) { plan.nfds = atoi(v[0]); plan.fds_from = v[1]; }
    else if (!strcmp(k, "hook")) {
      if (nhooks == MAX_HOOKS) { errno = E2BIG; die("plan", "more than 8 createContainer and startContainer hooks"); }
      struct hook *h = &hooks[nhooks++];
      h->phase = v[0]; h->path = v[1]; h->timeout = atoi(v[2]); h->state[0] = h->state[1] = "";
    } else if (!strncmp(k, "hook", 4) && nhooks > 0) {
      struct hook *h = &hooks[nhooks - 1];
      if (!strcmp(k, "hookstate")) { h->state[0] = v[0]; h->state[1] = v[1]; }
      else if (!strcmp(k, "hookarg") && h->nargs < MAX_HOOK_ITEMS) h->argv[h->nargs++] = v[0];
      else if (!strcmp(k, "hookenv") && h->nenv < MAX_HOOK_ITEMS) h->envp[h->nenv++] = v[0];
      else { errno = E2BIG; die("plan", "a hook with more than 64 args or env entries"); }
    } else if (plan.nops < MAX_ITEMS) {
      struct item *it = &plan.ops[plan.nops++];
      it->key = k;
      memcpy(it->v, v, sizeof it->v);
    }
  }
#undef NEXT
  if (plan.nargs == 0) { errno = EINVAL; die("plan", "no command"); }
}

/* ---- the user namespace: ids ---- */

/* Whether id lies in one of map's lines ("INSIDE OUTSIDE COUNT\n"...), inside the namespace. */
static int id_in_map(const char *map, long id) {
  for (const char *p = map; p && *p;) {
    long in, out, count;
    if (sscanf(p, "%ld %ld %ld", &in, &out, &count) == 3 && id >= in && id < in + count) return 1;
    p = strchr(p, '\n');
    if (p) p++;
  }
  return 0;
}

static int gid_mapped(long gid) { return id_in_map(plan.gidmap, gid); }

static void write_proc_file(pid_t pid, const char *file, const char *text) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) die("write id map", path);
  close(fd);
}

/* newuidmap PID INSIDE OUTSIDE COUNT...: the setuid tool checks the ranges against /etc/subuid. */
static void run_idmap_tool(const char *tool, pid_t pid, const char *map) {
  char copy[1024], pidtext[16];
  const char *argv[64];
  int n = 0;
  snprintf(copy, sizeof copy, "%s", map);
  snprintf(pidtext, sizeof pidtext, "%d", pid);
  argv[n++] = tool;
  argv[n++] = pidtext;
  for (char *save, *w = strtok_r(copy, " \n", &save); w && n < 62; w = strtok_r(NULL, " \n", &save)) argv[n++] = w;
  argv[n] = NULL;
  int errp[2];
  if (pipe2(errp, O_CLOEXEC) < 0) die("pipe", tool);
  pid_t p = fork();
  if (p < 0) die("fork", tool);
  if (p == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); }
    dup2(errp[1], 2); /* its complaint becomes our ERR line */
    execv(tool, (char **)argv);
    _exit(127);
  }
  close(errp[1]);
  char msg[512];
  ssize_t r, len = 0;
  while (len < (ssize_t)sizeof msg - 1 && ((r = read(errp[0], msg + len, sizeof msg - 1 - len)) > 0 || (r < 0 && errno == EINTR)))
    if (r > 0) len += r;
  close(errp[0]);
  msg[len] = 0;
  for (char *c = msg; *c; c++) if (*c == '\n') *c = ' ';
  int st;
  while (waitpid(p, &st, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    say("ERR id map %s %d: %s exited with %d: %s(the ranges come from /etc/subuid and /etc/subgid)",
        tool, pid, tool, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), msg);
    _exit(120);
  }
}

/* The outer, right after the clone: the init's ids, before it does anything else. With the tools,
 * the full map of the plan; without, only our own ids, and setgroups denied first (the kernel
 * requires it of an unprivileged writer of gid_map). */
static void write_id_maps(pid_t init) {
  if (plan.idmaptool[0]) {
    run_idmap_tool(plan.idmaptool[0], init, plan.uidmap);
    run_idmap_tool(plan.idmaptool[1], init, plan.gidmap);
    return;
  }
  write_proc_file(init, "setgroups", "deny");
  write_proc_file(init, "gid_map", plan.gidmap);
  write_proc_file(init, "uid_map", plan.uidmap);
}

/* Whether this process's user namespace refuses setgroups (a single-id map). */
static int setgroups_denied(void) {
  char buf[16] = {0};
  int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 && !strncmp(buf, "deny", 4);
}

/* ---- inside the container's mount namespace ---- */

static int has_flag(const char *flags, const char *want) {
  size_t n = strlen(want);
  for (const char *p = flags; p && *p;) {
    const char *c = strchr(p, ',');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    if (len == n && !strncmp(p, want, n)) return 1;
    p = c ? c + 1 : NULL;
  }
  return 0;
}

static int open_in_root(int rootfd, const char *rel, int flags) {
  struct open_how_ how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
  return syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
}

/* One walk of make_in_root over path. -2: a symlink on the way points at nothing yet, and path
 * was rewritten to go through its target; walk again. */
static int walk_making(int rootfd, char *path, size_t size, int as_file) {
  int dirfd = dup(rootfd); /* what the prefix so far resolved to */
  for (char *p = path; dirfd >= 0 && *p;) {
    char *end = strchr(p, '/');
    if (end) *end = 0;
    if (*p) {
      const char *rest = end ? end + 1 : "";
      int last = !rest[strspn(rest, "/")];
      int fd = open_in_root(rootfd, path, O_PATH);
      if (fd < 0 && errno == ENOENT) {
        char link[PATH_MAX], next[PATH_MAX];
        ssize_t n = readlinkat(dirfd, p, link, sizeof link - 1);
        if (n >= 0) {
          link[n] = 0;
          *p = 0; /* path is now the parent's prefix */
          int len = snprintf(next, sizeof next, "%s%s/%s", link[0] == '/' ? "" : path, link, rest);
          close(dirfd);
          if (len >= (int)size) { errno = ENAMETOOLONG; return -1; }
          memcpy(path, next, len + 1);
          return -2;
        }
        int made;
        if (last && as_file) {
          made = openat(dirfd, p, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
          if (made >= 0) close(made);
        } else {
          made = mkdirat(dirfd, p, 0755);
        }
        if (made >= 0) fd = openat(dirfd, p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      }
      int err = errno;
      close(dirfd);
      dirfd = fd;
      errno = err;
    }
    if (!end) break;
    *end = '/';
    p = end + 1;
  }
  return dirfd;
}

/* Opens rel under the root, creating what is missing: directories, or an empty file last when
 * as_file is set. Every prefix is resolved from the root itself (RESOLVE_IN_ROOT), so an absolute
 * or ".." symlink in the image means here what it will mean inside the container. A symlink that
 * points at nothing yet (an image's /etc/resolv.conf -> ../run/...) is followed the same way and
 * its target made, inside the root: whatever is created stays in the rootfs. Returns an O_PATH fd. */
static int make_in_root(int rootfd, const char *rel, int as_file) {
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s", rel) >= (int)sizeof path) { errno = ENAMETOOLONG; return -1; }
  for (int links = 0; links < 40; links++) {
    int fd = walk_making(rootfd, path, sizeof path, as_file);
    if (fd != -2) return fd;
  }
  errno = ELOOP;
  return -1;
}

static void fdpath(char *buf, size_t len, int fd) { snprintf(buf, len, "/proc/self/fd/%d", fd); }

static unsigned long attr_bits(const char *flags) {
  unsigned long a = 0;
  if (has_flag(flags, "ro")) a |= MOUNT_ATTR_RDONLY;
  if (has_flag(flags, "nosuid")) a |= MOUNT_ATTR_NOSUID;
  if (has_flag(flags, "nodev")) a |= MOUNT_ATTR_NODEV;
  if (has_flag(flags, "noexec")) a |= MOUNT_ATTR_NOEXEC;
  return a;
}

/* Applies ro/nosuid/nodev/noexec to a mount and everything under it. */
static void lock_down(const char *target, const char *flags, const char *step) {
  unsigned long a = attr_bits(flags);
  if (!a) return;
  struct mount_attr_ attr = { .attr_set = a };
  if (syscall(SYS_mount_setattr, AT_FDCWD, target, AT_RECURSIVE, &attr, sizeof attr) == 0) return;
  /* Older kernels: remount the top only. */
  unsigned long mf = MS_BIND | MS_REMOUNT;
  if (a & MOUNT_ATTR_RDONLY) mf |= MS_RDONLY;
  if (a & MOUNT_ATTR_NOSUID) mf |= MS_NOSUID;
  if (a & MOUNT_ATTR_NODEV) mf |= MS_NODEV;
  if (a & MOUNT_ATTR_NOEXEC) mf |= MS_NOEXEC;
  if (mount(NULL, target, NULL, mf, NULL) < 0) die(step, target);
}

/* Mounts a copy of the tree at (dirfd, path) on target, with flags applied to the copy before it
 * is attached: the flags land on the very mount that was made, whatever the path's symlinks say,
 * and the container never sees it writable, not even for an instant. */
static void attach_tree(int dirfd, const char *path, int target, const char *flags, const char *step, const char *what) {
  int tree = syscall(SYS_open_tree, dirfd, path, OPEN_TREE_CLONE_ | O_CLOEXEC | AT_RECURSIVE | (*path ? 0 : AT_EMPTY_PATH));
  if (tree < 0) die(step, what);
  struct mount_attr_ attr = { .attr_set = attr_bits(flags) };
  if (attr.attr_set && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
    die(step, what);
  if (syscall(SYS_move_mount, tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH_ | MOVE_MOUNT_T_EMPTY_PATH_) < 0)
    die(step, what);
  close(tree);
}

static void die_target(const char *rel) {
  if (errno == ELOOP)
    say("ERR mount target /%s: the image's symlinks on that path loop; mount on a real directory instead", rel);
  else
    say("ERR mount target /%s: %s", rel, strerror(errno));
  _exit(120);
}

/* The destination is resolved once, inside the root; the bind and its flags go through that fd. */
static void do_bind(int rootfd, const char *src, const char *rel, const char *flags) {
  struct stat st, tst;
  if (stat(src, &st) < 0) {
    if (has_flag(flags, "optional")) return;
    die("bind", src);
  }
  int fd = make_in_root(rootfd, rel, !S_ISDIR(st.st_mode));
  if (fd < 0) die_target(rel);
  if (fstat(fd, &tst) < 0) die("bind target", rel);
  if (S_ISDIR(st.st_mode) != S_ISDIR(tst.st_mode)) {
    say("ERR mount target /%s: the source %s is %s, but in the image (after its symlinks) the target is %s; "
        "mount on a path that is free or of the same kind", rel, src, S_ISDIR(st.st_mode) ? "a directory" : "a file",
        S_ISDIR(tst.st_mode) ? "a directory" : "a file");
    _exit(120);
  }
  attach_tree(AT_FDCWD, src, fd, flags, "bind", rel);
  close(fd);
}

static void do_mount_src(int rootfd, const char *rel, const char *source, const char *fstype, unsigned long mf,
                         const char *data) {
  int fd = make_in_root(rootfd, rel, 0);
  if (fd < 0) die_target(rel);
  char t[64];
  fdpath(t, sizeof t, fd);
  if (mount(source, t, fstype, mf, data) < 0) die(fstype, rel);
  close(fd);
}

static void do_mount_fs(int rootfd, const char *rel, const char *fstype, unsigned long mf, const char *data) {
  do_mount_src(rootfd, rel, fstype, fstype, mf, data);
}

static void do_symlink(int rootfd, const char *target, const char *rel) {
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", rel);
  char *slash = strrchr(parent, '/');
  const char *base = rel;
  int dfd;
  if (slash && slash != parent) {
    *slash = 0;
    base = slash + 1;
    dfd = make_in_root(rootfd, parent, 0);
  } else {
    base = slash ? slash + 1 : rel;
    dfd = dup(rootfd);
  }
  if (dfd < 0) die("symlink parent", rel);
  if (symlinkat(target, dfd, base) < 0 && errno != EEXIST) die("symlink", rel);
  close(dfd);
}

/* file PATH CONTENT: a regular file of the root's own holding CONTENT (the host rootfs's passwd on
 * its tmpfs /etc), made as a bind's target is; a program inside may replace it, as it may not a
 * bound file. What is there already must be a regular file: it is truncated, never opened as a
 * FIFO or a device. */
static void do_file(int rootfd, const char *rel, const char *content) {
  int at = make_in_root(rootfd, rel, 1);
  if (at < 0) die_target(rel);
  struct stat st;
  if (fstat(at, &st) < 0) die("file", rel);
  if (!S_ISREG(st.st_mode)) {
    say("ERR file /%s: there is something other than a regular file there", rel);
    _exit(120);
  }
  char p[64];
  fdpath(p, sizeof p, at);
  int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) die("file", rel);
  size_t len = strlen(content);
  for (size_t off = 0; off < len;) {
    ssize_t n = write(fd, content + off, len - off);
    if (n <= 0) die("file", rel);
    off += (size_t)n;
  }
  close(fd);
  close(at);
}

/* mknod PATH TYPE MAJOR:MINOR MODE:UID:GID (OCI's linux.devices; TYPE c, b or p): the node with
 * its mode exactly (the umask must not narrow it) and its owner; a node there already (poc's own
 * /dev/null, say) is kept. */
static void do_mknod(int rootfd, const char *rel, const char *type, const char *dev, const char *own) {
  unsigned int major, minor, mode;
  long uid, gid;
  if (sscanf(dev, "%u:%u", &major, &minor) != 2 || sscanf(own, "%o:%ld:%ld", &mode, &uid, &gid) != 3) {
    errno = EINVAL;
    die("plan", "mknod");
  }
  mode_t kind = type[0] == 'b' ? S_IFBLK : type[0] == 'p' ? S_IFIFO : S_IFCHR;
  char parent[PATH_MAX];
  snprintf(parent, sizeof parent, "%s", rel);
  char *slash = strrchr(parent, '/');
  const char *base = slash ? slash + 1 : rel;
  int dfd;
  if (slash && slash != parent) {
    *slash = 0;
    dfd = make_in_root(rootfd, parent, 0);
  } else {
    dfd = dup(rootfd);
  }
  if (dfd < 0) die("mknod parent (linux.devices)", rel);
  if (mknodat(dfd, base, kind | (mode & 07777), kind == S_IFIFO ? 0 : makedev(major, minor)) < 0) {
    if (errno != EEXIST) die("mknod (linux.devices)", rel);
  } else {
    if (fchmodat(dfd, base, mode & 07777, 0) < 0) die("chmod (linux.devices)", rel);
    if (fchownat(dfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0) die("chown (linux.devices)", rel);
  }
  close(dfd);
}

/* A device node in the new /dev. In a user namespace mknod is refused (and a node on a mount made
 * there would not work anyway: such mounts are nodev), so the host's node is bound over an empty
 * file instead, as rootless runc and crun do: the bind keeps the host mount's flags. */
static void mknod_in(int devfd, const char *name, int major, int minor) {
  if (mknodat(devfd, name, S_IFCHR | 0666, makedev(major, minor)) == 0) {
    fchmodat(devfd, name, 0666, 0); /* the umask must not narrow it */
    return;
  }
  if (errno != EPERM || !plan.uidmap) die("mknod /dev", name);
  int fd = openat(devfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) die("create /dev", name);
  close(fd);
  char host[64];
  snprintf(host, sizeof host, "/dev/%s", name); /* before pivot_root: the host's /dev */
  int target = openat(devfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0) die("open /dev", name);
  attach_tree(AT_FDCWD, host, target, "nosuid,noexec", "bind /dev", name);
  close(target);
}

/* Builds /dev; returns an O_PATH fd of the null device it made, checked to be one, for the masks:
 * nothing in the image can have put another file where the masks will bind it from. */
static int setup_dev(int rootfd) {
  do_mount_fs(rootfd, "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k");
  int devfd = open_in_root(rootfd, "dev", O_PATH | O_DIRECTORY);
  if (devfd < 0) die("open", "/dev");
  mknod_in(devfd, "null", 1, 3);
  mknod_in(devfd, "zero", 1, 5);
  mknod_in(devfd, "full", 1, 7);
  mknod_in(devfd, "random", 1, 8);
  mknod_in(devfd, "urandom", 1, 9);
  mknod_in(devfd, "tty", 5, 0);
  /* gid 5 (tty) may be unmapped in a user namespace with a single-id map: then the mount refuses it */
  const char *pts = plan.uidmap && !gid_mapped(5) ? "newinstance,ptmxmode=0666,mode=0620"
                                                   : "newinstance,ptmxmode=0666,mode=0620,gid=5";
  do_mount_fs(rootfd, "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, pts);
  char shm[64];
  snprintf(shm, sizeof shm, "mode=1777,size=%s", plan.shm ? plan.shm : "65536k");
  do_mount_src(rootfd, "dev/shm", "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm); /* source: as engines name it */
  if (plan.nsflags & CLONE_NEWIPC) do_mount_fs(rootfd, "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  symlinkat("pts/ptmx", devfd, "ptmx");
  symlinkat("/proc/self/fd", devfd, "fd");
  symlinkat("/proc/self/fd/0", devfd, "stdin");
  symlinkat("/proc/self/fd/1", devfd, "stdout");
  symlinkat("/proc/self/fd/2", devfd, "stderr");
  int nullfd = openat(devfd, "null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (nullfd < 0 || fstat(nullfd, &st) < 0) die("open", "/dev/null");
  if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3)) { errno = EINVAL; die("not the null device", "/dev/null"); }
  close(devfd);
  return nullfd;
}

/* A user namespace may mount sysfs only for a network namespace it owns (a container that shares
 * the host's network cannot): where refused, the host's /sys is bound read-only instead, as
 * rootless runc and crun do. */
static void mount_sys(int rootfd) {
  int fd = make_in_root(rootfd, "sys", 0);
  if (fd < 0) die_target("sys");
  char t[64];
  fdpath(t, sizeof t, fd);
  if (mount("sysfs", t, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, NULL) < 0) {
    if (errno != EPERM || !plan.uidmap) die("sysfs", "sys");
    attach_tree(AT_FDCWD, "/sys", fd, "ro,nosuid,nodev,noexec", "bind /sys", "sys");
  }
  close(fd);
}

/* OCI's lists: a file masked by /dev/null, a directory by an empty read-only tmpfs (missing: skipped). */
static void mask_oci_paths(int rootfd, int nullfd) {
  char t[64];
  struct stat st;
  for (int i = 0; i < plan.nmask; i++) {
    int fd = open_in_root(rootfd, plan.mask[i], O_PATH);
    if (fd < 0) continue;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      fdpath(t, sizeof t, fd);
      if (mount("tmpfs", t, "tmpfs", MS_RDONLY, "size=0") < 0) die("mask (linux.maskedPaths)", plan.mask[i]);
    } else {
      attach_tree(nullfd, "", fd, "", "mask (linux.maskedPaths)", plan.mask[i]);
    }
    close(fd);
  }
  for (int i = 0; i < plan.nrdonly; i++) {
    int fd = open_in_root(rootfd, plan.rdonly[i], O_PATH);
    if (fd < 0) continue;
    attach_tree(fd, "", fd, "ro,nosuid,nodev,noexec", "read-only (linux.readonlyPaths)", plan.rdonly[i]);
    close(fd);
  }
}

/* What in /proc and /sys would let the container see or poke the host: masked or read-only (poc's
 * own lists, or the config's). */
static void mask_proc_sys(int rootfd, int nullfd) {
  if (plan.oci_masks) { mask_oci_paths(rootfd, nullfd); return; }
  static const char *masked_files[] = { "proc/kcore", "proc/keys", "proc/timer_list", "proc/latency_stats",
    "proc/sched_debug", "proc/timer_stats", "proc/kallsyms", "proc/kmsg", NULL };
  static const char *masked_dirs[] = { "proc/acpi", "proc/scsi", "proc/asound", "sys/firmware",
    "sys/devices/virtual/powercap", NULL };
  static const char *readonly[] = { "proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger", NULL };
  char t[64];
  for (int i = 0; masked_files[i]; i++) {
    int fd = open_in_root(rootfd, masked_files[i], O_PATH);
    if (fd < 0) continue;
    attach_tree(nullfd, "", fd, "", "mask", masked_files[i]);
    close(fd);
  }
  for (int i = 0; masked_dirs[i]; i++) {
    int fd = open_in_root(rootfd, masked_dirs[i], O_PATH | O_DIRECTORY);
    if (fd < 0) continue;
    fdpath(t, sizeof t, fd);
    if (mount("tmpfs", t, "tmpfs", MS_RDONLY, "size=0") < 0) die("mask", masked_dirs[i]);
    close(fd);
  }
  for (int i = 0; readonly[i]; i++) {
    int fd = open_in_root(rootfd, readonly[i], O_PATH);
    if (fd < 0) continue;
    attach_tree(fd, "", fd, "ro,nosuid,nodev,noexec", "read-only", readonly[i]);
    close(fd);
  }
}

/* proc, then /dev and what is under it, then sys (read-only): the order in which a runtime-spec
 * config lists them. Returns /dev/null's O_PATH fd for the masks. */
static int own_filesystems(int rootfd) {
  do_mount_fs(rootfd, "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  int nullfd = setup_dev(rootfd);
  mount_sys(rootfd);
  return nullfd;
}

static int builds_root(const struct item *it) {
  return !strcmp(it->key, "root") || !strcmp(it->key, "uppertmpfs");
}

/* One item of the plan's ops; the root's items set *rootfd and *root. */
static void do_op(const struct item *it, int *rootfd, const char **root) {
  if (!strcmp(it->key, "root")) {
    /* root KIND MOUNTPOINT SOURCE FLAGS */
    const char *kind = it->v[0], *mp = it->v[1], *src = it->v[2], *flags = it->v[3];
    *root = mp;
    if (!strcmp(kind, "bind")) {
      if (mount(src, mp, NULL, MS_BIND | MS_REC, NULL) < 0) die("bind rootfs", src);
    } else if (!strcmp(kind, "tmpfs")) {
      if (mount("tmpfs", mp, "tmpfs", MS_NOSUID, src) < 0) die("tmpfs rootfs", mp);
    } else if (!strcmp(kind, "overlay")) {
      if (mount("overlay", mp, "overlay", 0, src) < 0) die("overlay rootfs", mp);
    } else if (!strcmp(kind, "move")) {
      /* a detached mount the JVM made ahead (an image's overlay, its checks of the work directory
         done off the start's path), named by its fd: /proc/JVMPID/fd/N, followed as a magic link */
      if (syscall(SYS_move_mount, AT_FDCWD, src, AT_FDCWD, mp, MOVE_MOUNT_F_SYMLINKS_) < 0) die("move prepared rootfs", src);
    } else {
      errno = EINVAL;
      die("rootfs kind", kind);
    }
    lock_down(mp, flags, "rootfs flags");
    *rootfd = open(mp, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (*rootfd < 0) die("open rootfs", mp);
  } else if (!strcmp(it->key, "uppertmpfs")) {
    /* uppertmpfs DIR OPTIONS: before an overlay root, a tmpfs in this namespace only, holding
       the overlay's upper and work directories, so the container's writes never reach a disk */
    const char *dir = it->v[0];
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, it->v[1]) < 0) die("upper tmpfs", dir);
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) die("open upper tmpfs", dir);
    if (mkdirat(dfd, "upper", 0755) < 0) die("mkdir upper", dir);
    if (mkdirat(dfd, "work", 0700) < 0) die("mkdir work", dir);
    close(dfd);
  } else if (!strcmp(it->key, "mkdir")) {
    int fd = make_in_root(*rootfd, it->v[0], 0);
    if (fd < 0) die("mkdir", it->v[0]);
    fchmod(fd, strtol(it->v[1], NULL, 8)); /* O_PATH: fchmod fails quietly; mode is a hint */
    close(fd);
  } else if (!strcmp(it->key, "symlink")) {
    do_symlink(*rootfd, it->v[0], it->v[1]);
  } else if (!strcmp(it->key, "bind")) {
    do_bind(*rootfd, it->v[0], it->v[1], it->v[2]);
  } else if (!strcmp(it->key, "tmpfs")) {
    do_mount_fs(*rootfd, it->v[0], "tmpfs", MS_NOSUID | MS_NODEV, it->v[1]);
  } else if (!strcmp(it->key, "mknod")) {
    do_mknod(*rootfd, it->v[0], it->v[1], it->v[2], it->v[3]);
  } else if (!strcmp(it->key, "file")) {
    do_file(*rootfd, it->v[0], it->v[1]);
  }
}

/* propagate PATH FLAGS (OCI: a mount's shared, slave, ... option), once every mount is made. */
static void apply_propagation(int rootfd) {
  char t[64];
  for (int i = 0; i < plan.nops; i++) {
    if (strcmp(plan.ops[i].key, "propagate")) continue;
    int fd = open_in_root(rootfd, plan.ops[i].v[0], O_PATH);
    if (fd < 0) die("propagation of", plan.ops[i].v[0]);
    fdpath(t, sizeof t, fd);
    if (mount(NULL, t, NULL, strtoul(plan.ops[i].v[1], NULL, 10), NULL) < 0) die("propagation of", plan.ops[i].v[0]);
    close(fd);
  }
}

static int write_all(int fd, const char *buf, size_t n);

/* Feeds the hook's state through a pipe filled before the fork (grown to hold it), so a hook
 * that never reads its stdin cannot block the init. */
static int hook_stdin(const struct hook *h) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die("pipe", "hook state");
  size_t len = strlen(h->state[0]) + strlen(host_pid) + strlen(h->state[1]);
  if (len > 65536 && fcntl(p[1], F_SETPIPE_SZ, (int)len) < 0) die("hook state larger than a pipe holds", h->path);
  if (write_all(p[1], h->state[0], strlen(h->state[0])) < 0 || write_all(p[1], host_pid, strlen(host_pid)) < 0
      || write_all(p[1], h->state[1], strlen(h->state[1])) < 0)
    die("write hook state", h->path);
  close(p[1]);
  return p[0];
}

/* Runs the plan's hooks of `phase` one after the other, each with its state on stdin, killed at
 * its timeout. A failure is an ERR line naming the hook, and the init leaves (create or start fails). */
static void run_hooks(const char *phase) {
  for (int i = 0; i < nhooks; i++) {
    struct hook *h = &hooks[i];
    if (strcmp(h->phase, phase)) continue;
    int in = hook_stdin(h);
    pid_t pid = fork();
    if (pid < 0) die("fork", h->path);
    if (pid == 0) {
      if (dup2(in, 0) < 0) _exit(126);
      for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, NULL);
      const char *argv0[] = { h->path, NULL };
      execve(h->path, h->nargs ? (char **)h->argv : (char **)argv0, (char **)h->envp);
      dprintf(2, "poc-init: exec %s hook %s: %s\n", phase, h->path, strerror(errno));
      _exit(127);
    }
    close(in);
    int pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) die("pidfd_open", h->path);
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += h->timeout;
    struct pollfd pf = { pidfd, POLLIN, 0 };
    int r;
    for (;;) {
      int ms = -1;
      if (h->timeout > 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left = (end.tv_sec - now.tv_sec) * 1000LL + (end.tv_nsec - now.tv_nsec) / 1000000;
        ms = left > 0 ? (int)left : 0;
      }
      r = poll(&pf, 1, ms);
      if (r >= 0 || errno != EINTR) break;
    }
    close(pidfd);
    if (r == 0) kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (r == 0) {
      say("ERR %s hook %s: did not finish within its timeout of %d s, killed", phase, h->path, h->timeout);
      _exit(120);
    }
    if (WIFSIGNALED(st)) { say("ERR %s hook %s: killed by signal %d", phase, h->path, WTERMSIG(st)); _exit(120); }
    if (WEXITSTATUS(st)) { say("ERR %s hook %s: exited with status %d", phase, h->path, WEXITSTATUS(st)); _exit(120); }
  }
}

/* The root (and its upper tmpfs), then poc's own filesystems, then the plan's mkdirs, binds and
 * tmpfs, then the masks: mountinfo lists them in the order an engine's config.json does. */
static void build_root(void) {
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("make mounts private", "/");
  const char *root = NULL;
  int rootfd = -1;
  for (int i = 0; i < plan.nops; i++)
    if (builds_root(&plan.ops[i])) do_op(&plan.ops[i], &rootfd, &root);
  if (rootfd < 0) { errno = EINVAL; die("plan", "no root"); }
  int nullfd = own_filesystems(rootfd);
  for (int i = 0; i < plan.nops; i++)
    if (!builds_root(&plan.ops[i])) do_op(&plan.ops[i], &rootfd, &root);
  apply_propagation(rootfd);
  mask_proc_sys(rootfd, nullfd);
  close(nullfd);
  close(rootfd);
  run_hooks("createContainer"); /* in our mount namespace, its mounts made, the host's root still ours */
  if (chdir(root) < 0) die("chdir", root);
  if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root", root);
  if (umount2(".", MNT_DETACH) < 0) die("detach old root", "/");
  if (chdir("/") < 0) die("chdir", "/");
  if (plan.rootprop && mount(NULL, "/", NULL, plan.rootprop, NULL) < 0) die("propagation (linux.rootfsPropagation)", "/");
}

static void iface_up(int sock, const char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) die("interface flags", name);
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0) die("interface up", name);
}

static void set_inet(struct sockaddr *sa, const char *addr) {
  struct sockaddr_in *in = (struct sockaddr_in *)sa;
  memset(in, 0, sizeof *in);
  in->sin_family = AF_INET;
  if (inet_pton(AF_INET, addr, &in->sin_addr) != 1) { errno = EINVAL; die("address", addr); }
}

/* net IFNAME ADDRESS PREFIX GATEWAY: the container's side of its veth pair. */
static void setup_net(void) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die("socket", "AF_INET");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", plan.net[0]);
  set_inet(&ifr.ifr_addr, plan.net[1]);
  if (ioctl(s, SIOCSIFADDR, &ifr) < 0) die("set address", plan.net[0]);
  int prefix = atoi(plan.net[2]);
  char mask[INET_ADDRSTRLEN];
  uint32_t m = prefix ? htonl(~0u << (32 - prefix)) : 0;
  inet_ntop(AF_INET, &m, mask, sizeof mask);
  set_inet(&ifr.ifr_netmask, mask);
  if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0) die("set netmask", plan.net[0]);
  iface_up(s, plan.net[0]);
  if (plan.net[3][0]) {
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    set_inet(&rt.rt_dst, "0.0.0.0");
    set_inet(&rt.rt_genmask, "0.0.0.0");
    set_inet(&rt.rt_gateway, plan.net[3]);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    rt.rt_dev = (char *)plan.net[0];
    if (ioctl(s, SIOCADDRT, &rt) < 0) die("default route", plan.net[3]);
  }
  close(s);
}

static const char *env_get(const char *key) {
  size_t n = strlen(key);
  for (int i = 0; i < plan.nenv; i++)
    if (!strncmp(plan.env[i], key, n) && plan.env[i][n] == '=') return plan.env[i] + n + 1;
  return NULL;
}

/* execve along the container's own PATH (libc would use ours). Returns the errno that matters. */
static int exec_command(char *found, size_t flen) {
  char **argv = (char **)plan.args;
  char **envp = (char **)plan.env;
  const char *cmd = plan.args[0];
  if (strchr(cmd, '/')) {
    snprintf(found, flen, "%s", cmd);
    execve(cmd, argv, envp);
    return errno;
  }
  const char *path = env_get("PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int err = ENOENT;
  snprintf(found, flen, "%s", cmd);
  for (const char *p = path; *p;) {
    const char *c = strchr(p, ':');
    size_t len = c ? (size_t)(c - p) : strlen(p);
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%.*s/%s", (int)len, p, cmd);
    execve(full, argv, envp);
    if (errno != ENOENT && errno != ENOTDIR) {
      err = errno;
      snprintf(found, flen, "%s", full);
    }
    if (!c) break;
    p = c + 1;
  }
  return err;
}


/* ---- seccomp and capabilities ----
 * The filter is compiled and verified in Java (dev.poc.seccomp); here it is only decoded from the
 * plan's hex and installed as it is. */

struct sock_filter_ { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct sock_fprog_ { unsigned short len; struct sock_filter_ *filter; };
static struct sock_fprog_ seccomp_prog;

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

static void decode_seccomp(void) {
  if (!plan.seccomp) return;
  size_t n = strlen(plan.seccomp);
  if (n == 0 || n % 16 || n / 16 > 4096) { errno = EINVAL; die("plan", "seccomp program length"); }
  uint8_t *b = map_pages(n / 2);
  if (!b) die("plan", "seccomp program");
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hex_digit(plan.seccomp[2 * i]), lo = hex_digit(plan.seccomp[2 * i + 1]);
    if (hi < 0 || lo < 0) { errno = EINVAL; die("plan", "seccomp program"); }
    b[i] = (uint8_t)(hi << 4 | lo);
  }
  seccomp_prog.len = (unsigned short)(n / 16);
  seccomp_prog.filter = (struct sock_filter_ *)b;
}

/* Once per process: a filter installed in the init before it forks the command is the command's
 * too (filters are inherited), and a second copy would only double every system call's cost. */
static int seccomp_installed;
static void install_seccomp(void) {
  if (seccomp_installed || !seccomp_prog.len) return;
  if (prctl(PR_SET_SECCOMP, 2 /* SECCOMP_MODE_FILTER */, &seccomp_prog, 0, 0) < 0) die("seccomp", "install filter");
  seccomp_installed = 1;
}

/* ---- memory an idle container keeps ----
 * Once its child exists, a helper only relays, reaps and forwards: the plan's text, the seccomp
 * program and the stack pages its setup's deep frames dirtied (path buffers, mount walks) are dead
 * weight for as long as the container runs, and it may run for days. */

/* The plan's text, its lists and the seccomp program go: every plan.* string and list is dangling
 * from here on (the pointers stay set, so tests of whether a key was given still hold). */
static void drop_plan(void) {
  if (plan_mem) munmap(plan_mem, plan_mem_len);
  if (plan_lists) munmap(plan_lists, PLAN_LISTS_LEN);
  plan_lists = NULL;
  if (seccomp_prog.filter) munmap(seccomp_prog.filter, seccomp_prog.len * sizeof *seccomp_prog.filter);
  plan_mem = NULL;
  seccomp_prog.filter = NULL;
  seccomp_prog.len = 0;
}

/* The outer's relay reads two of the plan's strings, the log's path and the console socket's: they
 * move to a small buffer of their own before the rest goes. */
static void outer_drop_plan(void) {
  static char kept[PATH_MAX + 128];
  const char **keep[] = { &plan.log, &plan.console };
  size_t off = 0;
  for (int i = 0; i < 2; i++) {
    if (!*keep[i]) continue;
    size_t n = strlen(*keep[i]) + 1;
    if (off + n > sizeof kept) return; /* cannot be (a path, a socket's path): keep the plan */
    memcpy(kept + off, *keep[i], n);
    *keep[i] = kept + off;
    off += n;
  }
  drop_plan();
}

/* Everything below the caller's frame is dead: those stack pages go back to the kernel (they read
 * as zeroes should a later call reach that deep again). The pages down to 1 KiB below this frame
 * stay, for madvise's own call (a few words, and a leaf's red zone of 128 bytes); a hole below
 * the stack's mapping is skipped. */
static __attribute__((noinline)) void trim_stack(void) {
  char here;
  uintptr_t page = (uintptr_t)getpagesize();
  uintptr_t keep = ((uintptr_t)&here - 1024) & ~(page - 1);
  size_t span = 256 << 10;
  madvise((void *)(keep - span), span, MADV_DONTNEED);
}

/* Bounding set down to keep (and to what we have: privileged means all that poc itself has), the
 * ambient set empty; returns the capabilities kept. Before any setuid, which would take CAP_SETPCAP. */
static uint64_t limit_bounding_set(uint64_t keep) {
  int last = 40;
  char text[16] = {0};
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC); /* no stdio: its buffer stays in the init */
  if (fd >= 0) {
    if (read(fd, text, sizeof text - 1) > 0) last = atoi(text);
    close(fd);
  }
  if (last <= 0) last = 40;
  if (last < 63) keep &= (1ULL << (last + 1)) - 1;
  struct cap_header_ h = { 0x20080522, 0 };
  struct cap_data_ d[2];
  if (syscall(SYS_capget, &h, d) < 0) die("capget", NULL);
  keep &= (uint64_t)d[1].permitted << 32 | d[0].permitted;
  for (int c = 0; c <= last; c++)
    if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      die("drop capability", "bounding set");
  prctl(PR_CAP_AMBIENT_, PR_CAP_AMBIENT_CLEAR_ALL_, 0, 0, 0);
  return keep;
}

/* Effective and permitted = keep (nothing for a uid other than 0), inheritable empty. */
static void set_capabilities(uint64_t keep, int as_root) {
  struct cap_header_ h = { 0x20080522, 0 };
  struct cap_data_ d[2];
  memset(d, 0, sizeof d);
  if (as_root) {
    d[0].effective = d[0].permitted = (uint32_t)keep;
    d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
  }
  if (syscall(SYS_capset, &h, d) < 0) die("capset", NULL);
}

/* OCI's five sets, for any uid (the kernel kept the permitted set across setuid: PR_SET_KEEPCAPS):
 * each as given, within what this process has (keep); then the ambient ones raised. */
static void set_oci_capabilities(uint64_t keep) {
  struct cap_header_ h = { 0x20080522, 0 };
  struct cap_data_ d[2];
  uint64_t perm = plan.cap_perm & keep, eff = plan.cap_eff & perm, inh = plan.cap_inh & perm;
  d[0].permitted = (uint32_t)perm; d[1].permitted = (uint32_t)(perm >> 32);
  d[0].effective = (uint32_t)eff; d[1].effective = (uint32_t)(eff >> 32);
  d[0].inheritable = (uint32_t)inh; d[1].inheritable = (uint32_t)(inh >> 32);
  if (syscall(SYS_capset, &h, d) < 0) die("capset", "process.capabilities");
  for (int c = 0; c < 64; c++)
    if ((plan.cap_amb & inh) >> c & 1 && prctl(PR_CAP_AMBIENT_, 2 /* RAISE */, c, 0, 0) < 0)
      die("raise ambient capability", "process.capabilities.ambient");
}

static void drop_privileges(void) {
  uint64_t keep = limit_bounding_set(plan.caps);
  if (plan.oci_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die("keep capabilities", NULL);
  if (setgroups_denied()) {
    /* a single-id map: no groups to set, nor any way to drop the ones we have (only our own) */
    if (plan.ngroups) { errno = EPERM; die("setgroups", "supplementary groups need a full id map (newgidmap)"); }
  } else if (setgroups(plan.ngroups, plan.groups) < 0) {
    die("setgroups", NULL);
  }
  if (setresgid(plan.gid, plan.gid, plan.gid) < 0) die("setgid", NULL);
  if (setresuid(plan.uid, plan.uid, plan.uid) < 0) die("setuid", NULL);
  if (plan.oci_caps) {
    set_oci_capabilities(keep);
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  } else {
    set_capabilities(keep, plan.uid == 0);
  }
  if (!plan.nnp_off && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs", NULL);
  if (plan.umask >= 0) umask((mode_t)plan.umask);
}

/* The init once its command runs: it only reaps, forwards signals and reports, so it keeps
 * CAP_KILL alone (to signal a command running as another uid), can gain nothing by exec, and lives
 * under the command's filter, like a PID 1 under Docker. */
static void confine_init(void) {
  set_capabilities(limit_bounding_set(plan.caps & (1ULL << CAP_KILL_)), 1);
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("no_new_privs", "init");
  install_seccomp();
}

/* ---- cgroups ----
 * Writing another process's pid to cgroup.procs takes the kernel's global threadgroup lock, which
 * waits for an RCU grace period (4-12 ms at HZ=250). Neither of these does: the init is born in
 * the v2 group (clone3 CLONE_INTO_CGROUP), and moves itself into each v1 group by writing 0
 * ("this thread", the whole of a single-threaded process) to its tasks file.
 *
 * A v1 group may also be made while the init starts (plan key cgjoinlate ROOT REL): the JVM makes
 * it and writes its limits once it has the init's PID, while the root is built, then says JOIN,
 * which the outer passes down the GO pipe as 'c'. The outer opens each hierarchy's root (O_PATH)
 * before the clone, in the host's mount namespace; the init, its root built, waits for the 'c'
 * and opens the tasks file through that fd, a mount of the host's that its pivot_root does not
 * touch. Nothing of the user's runs before: the init joins before READY, the command is forked
 * after GO. */
static int cg_join[8], cg_dir = -1, cg_procs = -1, cg_born;

static void open_cgroups(void) {
  for (int i = 0; i < plan.ncgjoin; i++) {
    if (plan.cgroot[i]) cg_join[i] = open(plan.cgroot[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
    else cg_join[i] = open(plan.cgjoin[i], O_WRONLY | O_CLOEXEC);
    if (cg_join[i] < 0) die("open cgroup", plan.cgroot[i] ? plan.cgroot[i] : plan.cgjoin[i]);
  }
  if (!plan.cgborn) return;
  if ((cg_dir = open(plan.cgborn, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) die("open cgroup", plan.cgborn);
  if ((cg_procs = openat(cg_dir, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0) die("open cgroup.procs", plan.cgborn);
}

/* A mount namespace joined by path (OCI): the init enters it itself and builds the root there
 * (this helper stays in ours); none: the init is cloned into a new one. */
static int mnt_join_fd = -1;
/* OCI without a mount namespace: ours, which the init goes back to once its root is built. */
static int host_mnt_fd = -1;

/* Namespaces the container shares with another process (e.g. a pod's): this helper enters them,
 * so the init cloned next is born inside. The helper serves this one container only. */
static void join_namespaces(void) {
  for (int i = 0; i < plan.nnsjoin; i++) {
    int fd = open(plan.nsjoin[i][1], O_RDONLY | O_CLOEXEC);
    if (fd < 0) die("open namespace", plan.nsjoin[i][1]);
    if (atoi(plan.nsjoin[i][0]) == CLONE_NEWNS) { mnt_join_fd = fd; continue; }
    if (setns(fd, atoi(plan.nsjoin[i][0])) < 0) die("join namespace", plan.nsjoin[i][1]);
    close(fd);
  }
  if (plan.hostmnt && (host_mnt_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)) < 0)
    die("open namespace", "/proc/self/ns/mnt");
}

static void close_namespace_fds(void) {
  if (mnt_join_fd >= 0) close(mnt_join_fd);
  if (host_mnt_fd >= 0) close(host_mnt_fd);
}

/* The init, in the mount namespace it was given by path, before it builds the root there. */
static void enter_joined_mounts(void) {
  if (mnt_join_fd < 0) return;
  if (setns(mnt_join_fd, CLONE_NEWNS) < 0) die("join namespace", "mount (linux.namespaces path)");
  close(mnt_join_fd);
}

/* OCI without a mount namespace: the root was built in a private one, which the init keeps alive
 * (an fd of it, held as long as the init lives) while it goes back to the host's and chroots into
 * that root. The container then shares the host's mount namespace, as its config asks, and no
 * mount of its is ever in the host's: they all go with the private namespace when the init dies. */
static void back_to_host_mounts(void) {
  if (host_mnt_fd < 0) return;
  int built = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC); /* kept, never closed */
  int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (built < 0 || rootfd < 0) die("open", "the built root and its namespace");
  if (setns(host_mnt_fd, CLONE_NEWNS) < 0) die("setns", "the host's mount namespace");
  close(host_mnt_fd);
  if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) die("chroot", "the built root");
  close(rootfd);
}

static pid_t clone_init(void) {
  uint64_t flags = plan.nsflags | (mnt_join_fd >= 0 ? 0 : CLONE_NEWNS) | (plan.uidmap ? CLONE_NEWUSER : 0);
  if (cg_dir >= 0) {
    struct clone_args_ a = { .flags = flags | CLONE_INTO_CGROUP_, .exit_signal = SIGCHLD, .cgroup = cg_dir };
    pid_t p = syscall(SYS_clone3, &a, sizeof a);
    if (p >= 0) { cg_born = 1; return p; }
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) die("clone into cgroup", plan.cgborn);
    /* a kernel before 5.7: born outside, the init moves itself (the slow way) */
  }
  return syscall(SYS_clone, SIGCHLD | flags, NULL, NULL, NULL, NULL);
}

/* go: the GO pipe, on which the groups made late are announced ('c') before GO. */
static void join_cgroups(int go) {
  char c;
  if (plan.cglate && read_full(go, &c, 1) < 0) _exit(121); /* the host side gave up */
  if (plan.cglate && c != 'c') { errno = EPROTO; die("join cgroup", "GO came before JOIN"); }
  for (int i = 0; i < plan.ncgjoin; i++) {
    int fd = plan.cgroot[i] ? openat(cg_join[i], plan.cgjoin[i], O_WRONLY | O_CLOEXEC) : cg_join[i];
    if (fd < 0) die("open cgroup", plan.cgjoin[i]);
    if (write(fd, "0", 1) < 0) die("join cgroup", plan.cgjoin[i]);
    if (fd != cg_join[i]) close(fd);
  }
  if (cg_procs >= 0 && !cg_born && write(cg_procs, "0", 1) < 0) die("join cgroup", plan.cgborn);
}

static void close_cgroups(void) {
  for (int i = 0; i < plan.ncgjoin; i++) close(cg_join[i]);
  if (cg_dir >= 0) close(cg_dir);
  if (cg_procs >= 0) close(cg_procs);
}

/* ---- tty: a pty from the container's own devpts, its master relayed by the outer ----
 *
 * Whoever runs inside (the init, or the exec child) opens the pty after entering the container's
 * mount namespace, so the terminal belongs to the container's devpts instance. It passes the
 * master to the outer over a socketpair (SCM_RIGHTS); the outer puts the user's terminal in raw
 * mode and copies bytes both ways, so Ctrl+C, Ctrl+Z and Ctrl+D reach the container's line
 * discipline, and follows SIGWINCH. */

static int tty_sock[2] = { -1, -1 }; /* [0] the outer's end, [1] the inside's end */
static int tty_slave = -1;            /* inside: the command's terminal */
static int tty_master = -1;           /* outer: the other end, relayed to our stdin/stdout */
static int tty_stdin_open = 1;
static int tty_raw_on;
static struct termios tty_saved;
static volatile sig_atomic_t got_sigwinch;
static void on_sigwinch(int s) { (void)s; got_sigwinch = 1; }

static int write_all(int fd, const char *buf, size_t n) {
  for (size_t off = 0; off < n;) {
    ssize_t w = write(fd, buf + off, n - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    off += w;
  }
  return 0;
}

/* Before the fork or clone: the channel for the master, and SIGWINCH for the outer. */
static void tty_prepare(void) {
  if (!plan.tty) return;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tty_sock) < 0) die("socketpair", "tty");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigwinch;
  sigaction(SIGWINCH, &sa, NULL);
}

static void tty_keep_end(int end) {
  if (!plan.tty) return;
  close(tty_sock[!end]);
  tty_sock[!end] = -1;
}

/* fd over a unix socket (SCM_RIGHTS) with payload as the message's bytes; to: whom, for the error. */
static void send_fd(int sock, int fd, const char *payload, size_t len, const char *to) {
  struct iovec iov = { (void *)payload, len };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(sock, &m, MSG_NOSIGNAL) < 0) die("send pty master", to);
}

static int recv_fd(int sock) {
  char byte;
  struct iovec iov = { &byte, 1 };
  union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } u;
  memset(&u, 0, sizeof u);
  struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) <= 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  return fd;
}

/* Inside, after pivot_root or setns: opens the pty, hands the master out and keeps the slave.
 * Our own stdio (the user's real terminal) goes to /dev/null, so nothing in the container can
 * reach the host's terminal through /proc/1/fd. */
static void tty_open_inside(void) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die("open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0) die("unlock pty", "/dev/ptmx");
  tty_slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty_slave < 0) die("open pty slave", "/dev/ptmx");
  send_fd(tty_sock[1], master, "m", 1, "to the outer");
  close(master);
  close(tty_sock[1]);
  tty_sock[1] = -1;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) die("open", "/dev/null");
  for (int i = 0; i < 3; i++) dup2(null, i);
  close(null);
}

/* In the command, after setsid: the slave becomes its stdio and its controlling terminal. */
static void tty_attach(void) {
  for (int i = 0; i < 3; i++)
    if (dup2(tty_slave, i) < 0) die("dup2", "pty slave");
  if (ioctl(0, TIOCSCTTY, 0) < 0) die("controlling tty", NULL);
}

static void tty_copy_winsize(void) {
  struct winsize ws;
  if (tty_master >= 0 && ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(tty_master, TIOCSWINSZ, &ws);
}

static void tty_restore(void) {
  if (tty_raw_on) tcsetattr(0, TCSADRAIN, &tty_saved);
  tty_raw_on = 0;
}

/* OCI's console socket (runc's protocol, which containerd's shim and podman's conmon read): one
 * message whose data is the terminal's name and whose SCM_RIGHTS carries the master. The engine
 * relays it from then on; we keep no copy. */
static void console_send(int master) {
  if (plan.rows && plan.cols) {
    struct winsize ws = { .ws_row = plan.rows, .ws_col = plan.cols };
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) die("set console size", plan.console);
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  if (strlen(plan.console) >= sizeof sa.sun_path) { errno = ENAMETOOLONG; die("console socket", plan.console); }
  strcpy(sa.sun_path, plan.console);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) die("connect console socket", plan.console);
  char name[64];
  unsigned int n = 0;
  int len = ioctl(master, TIOCGPTN, &n) == 0 ? snprintf(name, sizeof name, "/dev/pts/%u", n) : snprintf(name, sizeof name, "pty");
  send_fd(fd, master, name, (size_t)len, plan.console);
  close(fd);
}

/* The outer got the master: to the console socket (OCI), or sized like the user's terminal, which
 * becomes raw, and relayed. */
static void tty_take_master(void) {
  tty_master = recv_fd(tty_sock[0]);
  close(tty_sock[0]);
  tty_sock[0] = -1;
  if (tty_master < 0) return;
  if (plan.console) {
    console_send(tty_master);
    close(tty_master);
    tty_master = -1;
    return;
  }
  tty_copy_winsize();
  if (isatty(0) && tcgetattr(0, &tty_saved) == 0) {
    struct termios raw = tty_saved;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSADRAIN, &raw) == 0) tty_raw_on = 1;
  }
}

/* The outer's poll entries: [0] the socket the master comes over, [1] our stdin, [2] the master. */
static void tty_poll_set(struct pollfd *pf) {
  pf[0] = (struct pollfd){ tty_sock[0], POLLIN, 0 };
  pf[1] = (struct pollfd){ tty_master >= 0 && tty_stdin_open ? 0 : -1, POLLIN, 0 };
  pf[2] = (struct pollfd){ tty_master, POLLIN, 0 };
}

/* noinline, as tty_finish: their buffers stay out of relay's frame, which an idle outer lives in. */
static __attribute__((noinline)) void tty_poll_handle(const struct pollfd *pf) {
  char buf[8192];
  if (got_sigwinch) {
    got_sigwinch = 0;
    tty_copy_winsize();
  }
  if (pf[0].revents) tty_take_master();
  if (pf[1].revents) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n > 0) write_all(tty_master, buf, n);
    else if (n == 0 || errno != EINTR) tty_stdin_open = 0;
  }
  if (pf[2].revents) {
    ssize_t n = read(tty_master, buf, sizeof buf);
    if (n > 0) write_all(1, buf, n);
    else if (n == 0 || errno != EINTR) { /* EIO: every slave is closed */
      close(tty_master);
      tty_master = -1;
    }
  }
}

/* The command is gone: copy what it wrote last, then give the user's terminal back. */
static __attribute__((noinline)) void tty_finish(void) {
  char buf[8192];
  struct pollfd pf = { tty_master, POLLIN, 0 };
  while (tty_master >= 0 && poll(&pf, 1, 0) > 0) {
    ssize_t n = read(tty_master, buf, sizeof buf);
    if (n <= 0) break;
    write_all(1, buf, n);
  }
  tty_restore();
}

/* ---- stdio: pipes of ours, never the caller's files ----
 * Our fds 0-2 may be host files: the log the CLI's output is redirected to, a directory its stdin
 * comes from, the user's terminal. Through /proc/self/fd/N a process reopens the file behind an
 * fd, so a container must never hold one. Unless it is a pipe or a socket already (or /dev/null,
 * the device the container has anyway), the outer relays it through a pipe of its own. */

static int io_outer[3] = { -1, -1, -1 }; /* the outer's end of fd i's pipe; -1: passed as it is */
static int io_inner[3] = { -1, -1, -1 }; /* the container's end */
static char io_in_buf[8192];
static size_t io_in_len, io_in_off;

/* ---- the output log ----
 * With a log in the plan, what the command writes on the logged streams goes to one file of
 * framed records instead of our fd 1/2, so output never waits for a reader and outlives us.
 * A record: type (1 stdout, 2 stderr, 3 the end), 3 zero bytes, the payload's length (u32 BE),
 * the offset of its first byte in all the output ever written (u64 BE; rotation keeps it
 * counting), then the payload. The end record's payload is "code N" or "signal N". Past
 * log_max bytes the file is renamed to PATH.1 (replacing the last one) and a new one begun. */

static int log_fd = -1;
static long long log_size, log_total;

static int io_logged(int i) { return plan.log && i > 0 && (plan.log_mask & i); }

static int log_open(int trunc) {
  int fd = open(plan.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (trunc ? O_TRUNC : 0), 0600);
  if (fd >= 0) log_size = 0;
  return fd;
}

/* In the outer, after the clone: the init never holds the file. */
static void log_start(void) {
  if (!plan.log) return;
  log_fd = log_open(1);
  if (log_fd < 0) die("open log", plan.log);
}

static void log_record(int type, const char *buf, size_t n) {
  if (log_fd < 0) return;
  if (log_size > 0 && log_size + 16 + (long long)n > plan.log_max) {
    char old[PATH_MAX];
    snprintf(old, sizeof old, "%s.1", plan.log);
    if (rename(plan.log, old) == 0) {
      int fd = log_open(1);
      if (fd >= 0) {
        close(log_fd);
        log_fd = fd;
      }
    }
  }
  unsigned char h[16] = { (unsigned char)type };
  for (int b = 0; b < 4; b++) h[4 + b] = (unsigned char)(n >> (24 - 8 * b));
  for (int b = 0; b < 8; b++) h[8 + b] = (unsigned char)((unsigned long long)log_total >> (56 - 8 * b));
  struct iovec iov[2] = { { h, 16 }, { (void *)buf, n } };
  ssize_t w = writev(log_fd, iov, 2); /* a full disk drops output rather than stopping the command */
  if (w > 0) log_size += w;
  if (type != 3) log_total += n;
}

/* The last record: how the child ended. Everything before it is the whole output. */
static void log_end(int st) {
  char text[32];
  int n = WIFSIGNALED(st) ? snprintf(text, sizeof text, "signal %d", WTERMSIG(st))
                          : snprintf(text, sizeof text, "code %d", WEXITSTATUS(st));
  log_record(3, text, n);
  if (log_fd >= 0) close(log_fd);
  log_fd = -1;
}

static int io_passes(int fd) {
  struct stat st;
  if (fstat(fd, &st) < 0) return 1;
  return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}

/* Before the clone or fork. With a pty the command never sees our stdio at all. */
static void io_prepare(void) {
  for (int i = 0; i < 3; i++) /* a closed 0-2 would be reused by the pipes below */
    if (fcntl(i, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0) die("open", "/dev/null");
  if (plan.tty) return;
  for (int i = 0; i < 3; i++) {
    if (handed_off()) continue; /* OCI: the engine chose the stdio; we leave early */
    if (!io_logged(i) && io_passes(i)) continue;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe", "stdio");
    io_inner[i] = p[i == 0 ? 0 : 1];
    io_outer[i] = p[i == 0 ? 1 : 0];
    fcntl(io_outer[i], F_SETFL, O_NONBLOCK);
  }
}

static void io_keep_end(int inner) {
  for (int i = 0; i < 3; i++) {
    if (io_inner[i] < 0) continue;
    if (inner && dup2(io_inner[i], i) < 0) die("dup2", "stdio");
    close(io_inner[i]);
    io_inner[i] = -1;
    if (inner) {
      close(io_outer[i]);
      io_outer[i] = -1;
    }
  }
}

static void io_close(int i) {
  close(io_outer[i]);
  io_outer[i] = -1;
}

/* Copies what the container wrote on fd i out to our fd i; 0 when nothing was there. */
static int io_copy_out(int i) {
  char buf[8192];
  if (io_outer[i] < 0) return 0;
  ssize_t n = read(io_outer[i], buf, sizeof buf);
  if (n > 0) {
    if (io_logged(i)) log_record(i, buf, n);
    else if (write_all(i, buf, n) < 0) { /* nobody reads us: drop the rest, as a closed pipe would */ }
    return 1;
  }
  if (n == 0 || (errno != EINTR && errno != EAGAIN)) io_close(i);
  return 0;
}

/* The outer's poll entries: [0] our stdin, [1] the stdin pipe, [2] and [3] the output pipes. */
static void io_poll_set(struct pollfd *pf) {
  int pending = io_in_off < io_in_len;
  pf[0] = (struct pollfd){ io_outer[0] >= 0 && !pending ? 0 : -1, POLLIN, 0 };
  pf[1] = (struct pollfd){ pending ? io_outer[0] : -1, POLLOUT, 0 };
  pf[2] = (struct pollfd){ io_outer[1], POLLIN, 0 };
  pf[3] = (struct pollfd){ io_outer[2], POLLIN, 0 };
}

static void io_poll_handle(const struct pollfd *pf) {
  if (pf[0].revents) {
    ssize_t n = read(0, io_in_buf, sizeof io_in_buf);
    if (n > 0) {
      io_in_len = n;
      io_in_off = 0;
    } else if (n == 0 || errno != EINTR) {
      io_close(0); /* EOF, or stdin is a directory: the command reads EOF */
    }
  }
  if (pf[1].revents) {
    ssize_t w = write(io_outer[0], io_in_buf + io_in_off, io_in_len - io_in_off);
    if (w > 0) io_in_off += w;
    else if (errno != EINTR && errno != EAGAIN) {
      io_in_off = io_in_len;
      io_close(0); /* the command closed its stdin */
    }
  }
  for (int i = 1; i < 3; i++)
    if (pf[i + 1].revents) io_copy_out(i);
}

/* Before the end is reported: everything the command wrote is out. */
static void io_drain(void) {
  for (int i = 1; i < 3; i++)
    while (io_copy_out(i)) {}
}

/* Exec mode: the command dies with the outer. Should the outer have died before the signal was
 * armed, nobody reads our status pipe any more (POLLERR on its write end). */
static void die_with_outer(void) {
  prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
  struct pollfd p = { report_fd, 0, 0 };
  if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) _exit(121);
}

/* Takes the preserved fds: ours (the front passed them, at 3..) or the JVM's, by pidfd_getfd. */
static void take_preserved_fds(void) {
  if (!plan.nfds) return;
  if (plan.nfds < 0 || plan.nfds > MAX_PRESERVED) { errno = EINVAL; die("plan", "--preserve-fds above 64"); }
  int from = atoi(plan.fds_from), pidfd = -1;
  if (from > 0 && (pidfd = syscall(SYS_pidfd_open, from, 0)) < 0) die("pidfd_open", "--preserve-fds");
  for (int k = 0; k < plan.nfds; k++) {
    char what[64];
    snprintf(what, sizeof what, "--preserve-fds: fd %d of the caller", 3 + k);
    if (from > 0) {
      if ((held[k] = syscall(SYS_pidfd_getfd, pidfd, 3 + k, 0)) < 0) die("pidfd_getfd", what);
    } else if (fcntl(held[k] = 3 + k, F_SETFD, FD_CLOEXEC) < 0) die("fcntl", what);
  }
  if (pidfd >= 0) close(pidfd);
}

static void close_preserved_fds(void) {
  for (int k = 0; k < plan.nfds; k++) close(held[k]);
}

/* In the command only: the preserved fds at 3.., inheritable; our status pipe moves above them. */
static void place_preserved_fds(void) {
  if (!plan.nfds) return;
  int top = 3 + plan.nfds, copy[MAX_PRESERVED];
  if ((report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, top)) < 0) _exit(127);
  for (int k = 0; k < plan.nfds; k++)
    if ((copy[k] = fcntl(held[k], F_DUPFD_CLOEXEC, top)) < 0) die("dup", "--preserve-fds");
  for (int k = 0; k < plan.nfds; k++) {
    if (dup2(copy[k], 3 + k) < 0) die("dup2", "--preserve-fds"); /* the new fd is inheritable */
    close(copy[k]);
  }
}

/* The last steps of the run and exec paths: a session (with the pty as its terminal), the
 * privileges of the plan, then exec; a failure goes to report_fd, the close-on-exec status pipe. */
static void become_command(void) {
  if (setsid() < 0) die("setsid", NULL);
  if (plan.tty) tty_attach();
  place_preserved_fds();
  /* Without no_new_privs only CAP_SYS_ADMIN may install a filter: then it goes in before the
     privileges drop (as runc does), and the profile must allow what follows (setuid, capset). */
  if (plan.nnp_off) install_seccomp();
  drop_privileges();
  if (plan.target && !handed_off()) die_with_outer(); /* a changed uid cleared the parent-death signal */
  if (chdir(plan.cwd) < 0) die("chdir", plan.cwd);
  if (!plan.nnp_off) install_seccomp(); /* last: from here on only execve, and the report of its failure */
  char found[PATH_MAX];
  int err = exec_command(found, sizeof found);
  say("EXECFAIL %d %s", err, found);
  _exit(127);
}

/* Our command line, which the host side keeps (poc finds its helpers by it) and a process inside
 * the container wipes: no host path for the container's ps to show. */
static char *args_start;
static size_t args_len;

static void hide_command_line(void) {
  memset(args_start, 0, args_len);
  strncpy(args_start, "poc-init", args_len);
}

static volatile sig_atomic_t got_sigchld;
static void on_sigchld(int s) { (void)s; got_sigchld = 1; }

/* Before the root is built, /proc/sys is still the host's mount, but what a task opens there for a
 * namespaced key (net.*, kernel.shm*, ...) is its own namespace's: so the init writes its own. */
static void set_sysctls(void) {
  for (int i = 0; i < plan.nsysctl; i++) {
    char path[256];
    int n = snprintf(path, sizeof path, "/proc/sys/%s", plan.sysctl[i][0]);
    if (n < 0 || n >= (int)sizeof path) { errno = ENAMETOOLONG; die("sysctl", plan.sysctl[i][0]); }
    for (char *p = path + 10; *p; p++) if (*p == '.') *p = '/';
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, plan.sysctl[i][1], strlen(plan.sysctl[i][1])) < 0) die("sysctl", plan.sysctl[i][0]);
    close(fd);
  }
}

/* Profile (plan key times): CLOCK_MONOTONIC instants of the init's steps, the clock the JVM's
 * System.nanoTime reads, said in one TIMES line just before the command's EXIT line: init entered,
 * root built, cgroups joined, GO read, command forked, its exec seen, its exit reaped. Nothing
 * is read or said without the key: a start pays one branch per step. */
enum { T_ENTER, T_ROOT, T_CGROUPS, T_GO, T_FORK, T_EXEC, T_REAPED, T_COUNT };
static long long marks[T_COUNT];
static void mark(int step) {
  if (!plan.times) return;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  marks[step] = ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Returns once the command's exec closed its status pipe; its failure (an EXECFAIL or ERR line,
 * already formatted) is passed on, and the init leaves. A frame of its own: its buffers are not
 * part of the one the init idles in. */
static __attribute__((noinline)) void await_exec(int ep, int rep, pid_t cmd) {
  char msg[PATH_MAX + 64];
  ssize_t n;
  while ((n = read(ep, msg, sizeof msg - 1)) < 0 && errno == EINTR) {}
  mark(T_EXEC);
  close(ep);
  if (n <= 0) return;
  msg[n] = 0;
  int eno;
  char path[PATH_MAX + 1];
  if (plan.startfifo && sscanf(msg, "EXECFAIL %d %" "4096[^\n]", &eno, path) == 2) {
    dprintf(2, "poc: exec %s: %s\n", path, strerror(eno)); /* for a person reading the log */
  } else if (write(rep, msg, n) < 0) _exit(127);
  waitpid(cmd, NULL, 0);
  _exit(127);
}

/* PID 1 of the container: fork the command, report its exec, forward signals, reap. */
static void container_init(int rep, int go, int idsync) {
  mark(T_ENTER);
  report_fd = rep;
  if (idsync >= 0) {
    /* In a new user namespace: nothing works until the outer has written our id maps. Then become
     * its root: our ids are still the outer's, which the map may leave out (root's 0, mapped to a
     * subordinate range); a file we made would fail with EOVERFLOW. For an ordinary user mapped to
     * 0 nothing changes, and so the kernel keeps us dumpable. */
    char c;
    if (read_full(idsync, &c, 1) < 0) _exit(121); /* the outer failed and said why */
    close(idsync);
    if (setresgid(0, 0, 0) < 0) die("setgid", "0 in the user namespace");
    if (setresuid(0, 0, 0) < 0) die("setuid", "0 in the user namespace");
  }
  /* after any change of ids, which clears it */
  if (!plan.startfifo) prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* OCI: the outer leaves at GO */
  if (idsync < 0) {
    /* Not dumpable: no process of the container may ptrace us or open our /proc files (runc's
     * CVE-2016-9962), whatever capabilities we share with it. The command's exec resets this.
     * In a user namespace of its own the init stays dumpable: the runtime (an ordinary user,
     * no CAP_SYS_PTRACE) must open its /proc/PID/ns and root to exec and copy into it, and the
     * init holds nothing the user's own processes inside do not have already. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  }
  hide_command_line();
  if (nhooks) { /* our pid as the host sees it: its /proc is still the mount we see */
    ssize_t n = readlink("/proc/self", host_pid, sizeof host_pid - 1);
    host_pid[n > 0 ? n : 0] = 0;
  }
  set_sysctls();
  enter_joined_mounts();
  build_root();
  back_to_host_mounts();
  mark(T_ROOT);
  if (plan.hostname && (plan.nsflags & CLONE_NEWUTS) && sethostname(plan.hostname, strlen(plan.hostname)) < 0)
    die("sethostname", plan.hostname);
  if (plan.domainname && (plan.nsflags & CLONE_NEWUTS) && setdomainname(plan.domainname, strlen(plan.domainname)) < 0)
    die("setdomainname", plan.domainname);
  if (plan.nsflags & CLONE_NEWNET) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket", "lo");
    iface_up(s, "lo");
    close(s);
  }
  join_cgroups(go); /* after the root is built: the devices allow-list would refuse its mounts */
  close_cgroups();
  mark(T_CGROUPS);
  if (plan.tty) tty_open_inside();
  /* Docker's default profile goes in now, while the host side attaches, rather than in the
     command after GO: the command inherits it, and all the init and the command do from here on
     (network set-up, the start fifo, fork, setsid, the privileges' drop, chdir, exec) is allowed
     by it; the init still has CAP_SYS_ADMIN, which installing it without no_new_privs needs. */
  if (plan.seccomp_early) install_seccomp();
  say("READY");
  char c;
  if (read_full(go, &c, 1) < 0) _exit(121); /* the host side gave up */
  mark(T_GO);
  close(go);
  if (plan.has_net) setup_net();
  if (plan.startfifo) {
    /* Handed off: no one reads the pipe any more; errors go to the container's stderr. */
    close(rep);
    rep = report_fd = 2;
    int fl = fcntl(plan.startfd, F_GETFL);
    if (fl < 0 || fcntl(plan.startfd, F_SETFL, fl & ~O_NONBLOCK) < 0) die("fcntl", plan.startfifo);
    ssize_t r;
    while ((r = read(plan.startfd, &c, 1)) < 0 && errno == EINTR) {}
    if (r != 1) die("wait for start", plan.startfifo);
    close(plan.startfd);
  }
  run_hooks("startContainer"); /* in the container, before the command: a failure is on its stderr */

  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  int ep[2];
  if (pipe2(ep, O_CLOEXEC) < 0) die("pipe", "exec status");
  pid_t cmd = fork();
  if (cmd < 0) die("fork", "command");
  if (cmd == 0) {
    close(ep[0]);
    if (rep != 2) close(rep); /* handed off, rep is the container's own stderr */
    report_fd = ep[1];
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    become_command();
  }
  mark(T_FORK);
  close(ep[1]);
  close_preserved_fds(); /* the command's only: a pipe's reader must see its end when the command closes it */
  if (tty_slave >= 0) close(tty_slave);
  /* Now, while the command gets ready on the other CPU, not after its exec: a start-to-exit of a
   * short command would otherwise wait for the filter's install before the init can reap it. */
  confine_init();
  await_exec(ep[0], rep, cmd);
  if (!plan.startfifo) say("EXEC");
  drop_plan(); /* the outer has dropped its copy too: these pages go for good */
  trim_stack();
  /* Reap everything; forward every other signal to the command. */
  for (;;) {
    siginfo_t si;
    int s = sigwaitinfo(&all, &si);
    if (s < 0) continue;
    if (s == SIGCHLD) {
      int st;
      pid_t p;
      while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        if (p != cmd) continue;
        mark(T_REAPED);
        if (plan.times && !plan.startfifo)
          say("TIMES %lld %lld %lld %lld %lld %lld %lld", marks[0], marks[1], marks[2], marks[3], marks[4], marks[5], marks[6]);
        if (!plan.startfifo) {
          if (WIFSIGNALED(st)) say("EXIT signal %d", WTERMSIG(st));
          else say("EXIT code %d", WEXITSTATUS(st));
        }
        _exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
      }
    } else {
      kill(plan.tty ? -cmd : cmd, s);
    }
  }
}

static int connect_socket(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa;
  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) return -1;
  return fd;
}

/* The outer's loop: the child's lines to the JVM, GO to the child, the user's terminal to and from
 * the pty; returns when the child has been reaped. In run mode the child is the container's init,
 * which reports the command's status itself, so a reaped init means it was killed (DIED). In exec
 * mode the child is the command: its close-on-exec status pipe closing empty means EXEC, and its
 * status is the EXIT. */
/* One read of the child's report pipe, passed on to the JVM once the output written before it is
 * out; returns what read returned (errno kept). A frame of its own: its buffer stays out of
 * relay's, which an idle outer lives in. */
static __attribute__((noinline)) ssize_t pass_report(int rep, int ctl, int *ctl_open, int *ready) {
  char buf[8192];
  ssize_t n = read(rep, buf, sizeof buf);
  int err = errno;
  io_drain(); /* output comes before the EXIT line that may follow it */
  if (n > 0) {
    if (memmem(buf, n, "READY\n", 6)) *ready = 1;
    if (*ctl_open && write(ctl, buf, n) < 0) *ctl_open = 0;
  }
  errno = err;
  return n;
}

static int relay(pid_t child, int ctl, int rep, int go, int exec_mode) {
  int ctl_open = 1, rep_open = 1;
  int ready = 0, go_pending = 0; /* OCI: GO waits for the init's READY (its root is built) */
  size_t rep_bytes = 0;
  for (;;) {
    int st;
    if (got_sigchld && !rep_open) {
      pid_t p = waitpid(child, &st, WNOHANG);
      if (p == child) {
        tty_finish();
        io_drain();
        log_end(st);
        const char *what = exec_mode ? "EXIT" : "DIED";
        if (WIFSIGNALED(st)) say("%s signal %d", what, WTERMSIG(st));
        else say("%s code %d", what, WEXITSTATUS(st));
        return 0;
      }
    }
    struct pollfd pf[9] = { { ctl_open ? ctl : -1, POLLIN, 0 }, { rep_open ? rep : -1, POLLIN, 0 } };
    tty_poll_set(pf + 2);
    io_poll_set(pf + 5);
    if (poll(pf, 9, rep_open ? -1 : 100) < 0) {
      if (errno != EINTR) die("poll", NULL);
      continue;
    }
    if (pf[1].revents) {
      ssize_t n = pass_report(rep, ctl, &ctl_open, &ready);
      if (n > 0) {
        rep_bytes += n;
      } else if (n == 0 || errno != EINTR) {
        rep_open = 0;
        close(rep);
        if (exec_mode && rep_bytes == 0) {
          if (tty_sock[0] >= 0) tty_take_master(); /* sent before the exec: it waits in the socket */
          say("EXEC");
          if (handed_off()) return 0; /* OCI exec --detach: the engine's reaper adopts the command */
        }
      }
    }
    if (pf[0].revents) {
      char line[64]; /* the JVM says only JOIN and GO, in that order */
      ssize_t n = read(ctl, line, sizeof line);
      if (n > 0) {
        /* JOIN: the init waits for it before READY, so it passes at once, even for OCI */
        if (go >= 0 && plan.cglate && memchr(line, 'J', n) && write(go, "c", 1) < 0) { /* the init died */ }
        if (go >= 0 && memchr(line, 'G', n)) go_pending = 1; /* GO */
      } else if (n == 0 || errno != EINTR) {
        ctl_open = 0;
        /* the JVM is gone: so is its container (OCI: it had not been created yet) */
        if (!plan.detach || plan.startfifo) kill(child, SIGKILL);
      }
    }
    /* OCI: leave only once the init's root is built, so a failure there is still reported to
     * the JVM (as ERR, then DIED) rather than after we are gone */
    if (go_pending && (ready || !plan.startfifo)) {
      go_pending = 0;
      if (write(go, "g", 1) < 0) { /* the init died; its status follows */ }
      close(go);
      go = -1;
      if (plan.startfifo) { /* OCI: the init waits for `start` on its own, adopted by a reaper */
        if (tty_sock[0] >= 0) tty_take_master(); /* sent before READY: it waits in the socket */
        say("CREATED");
        return 0;
      }
    }
    tty_poll_handle(pf + 2);
    io_poll_handle(pf + 5);
  }
}

/* ---- exec: a command inside a running container (poc-init exec SOCKET) ----
 *
 * The plan names the container's init (target) and the cgroup.procs files to join. The outer
 * enters the init's PID namespace for its children only, then forks the command, which joins the
 * cgroups (while it still sees the host's cgroupfs), the other namespaces, drops privileges like
 * the run path and execs. The outer stays on the host side: it relays and reports EXIT. */

static const char *const EXEC_NS[] = { "ipc", "uts", "net", "pid", "mnt" };
static const int EXEC_NS_FLAG[] = { CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID, CLONE_NEWNS };
#define EXEC_NS_COUNT 5
#define EXEC_NS_PID 3

static void exec_join_cgroups(void) {
  for (int i = 0; i < plan.ncgroups; i++) {
    int fd = open(plan.cgroups[i], O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) < 0) die("join cgroup", plan.cgroups[i]); /* 0: the writer */
    close(fd);
  }
}

static void exec_child(int status_fd, const int *nsfd) {
  report_fd = status_fd;
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* until exec: out of the container's reach, as the init */
  hide_command_line();
  if (!handed_off()) die_with_outer();
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL); /* ignored ones would survive exec */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int i = 0; i < plan.nrlimit; i++) {
    struct rlimit rl = { plan.rlimit_val[i][0], plan.rlimit_val[i][1] };
    if (setrlimit(plan.rlimit_res[i], &rl) < 0) die("setrlimit", "process.rlimits");
  }
  exec_join_cgroups();
  /* The init's root: for a container without a mount namespace of its own (OCI) a chroot into a
   * tree the init keeps, not the namespace's root, which setns alone would give. */
  char rootpath[64];
  snprintf(rootpath, sizeof rootpath, "/proc/%d/root", plan.target);
  struct stat theirs, ours;
  if (fstat(nsfd[EXEC_NS_COUNT - 1], &theirs) < 0 || stat("/proc/self/ns/mnt", &ours) < 0) die("stat", "mount namespace");
  int rootfd = -1;
  if (theirs.st_ino == ours.st_ino && (rootfd = open(rootpath, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) die("open", rootpath);
  for (int i = 0; i < EXEC_NS_COUNT; i++) {
    if (i != EXEC_NS_PID && setns(nsfd[i], EXEC_NS_FLAG[i]) < 0) die("setns", EXEC_NS[i]);
    close(nsfd[i]);
  }
  if (rootfd >= 0) {
    if (fchdir(rootfd) < 0 || chroot(".") < 0 || chdir("/") < 0) die("chroot", rootpath);
    close(rootfd);
  }
  if (plan.tty) tty_open_inside();
  become_command();
}

/* A container with a user namespace of its own: enter it first, for its other namespaces take
 * capabilities in it (an ordinary user has them there, as its owner, and nowhere else). */
static void join_user_namespace_of(int target) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", target);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open namespace", path);
  struct stat theirs, ours;
  if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/user", &ours) < 0) die("stat", "user namespace");
  if (theirs.st_ino != ours.st_ino && setns(fd, CLONE_NEWUSER) < 0) die("setns", "user");
  close(fd);
}

static int exec_main(int ctl) {
  if (plan.target <= 0) { errno = EINVAL; die("plan", "no target container"); }
  int nsfd[EXEC_NS_COUNT];
  for (int i = 0; i < EXEC_NS_COUNT; i++) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/%s", plan.target, EXEC_NS[i]);
    nsfd[i] = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd[i] < 0) die("open namespace", path);
  }
  join_user_namespace_of(plan.target);
  if (setns(nsfd[EXEC_NS_PID], CLONE_NEWPID) < 0) die("setns", "pid"); /* for our children only */
  int status[2];
  if (pipe2(status, O_CLOEXEC) < 0) die("pipe", "exec status");
  tty_prepare();
  io_prepare();
  pid_t child = fork();
  if (child < 0) die("fork", "command");
  if (child == 0) {
    close(ctl);
    close(status[0]);
    tty_keep_end(1);
    io_keep_end(1);
    exec_child(status[1], nsfd);
  }
  close(status[1]);
  for (int i = 0; i < EXEC_NS_COUNT; i++) close(nsfd[i]);
  tty_keep_end(0);
  io_keep_end(0);
  say("PID %d", child);
  outer_drop_plan();
  trim_stack();
  return relay(child, ctl, status[0], -1, 1);
}

/* ---- a sealed copy of ourselves ----
 * Everything in a container that was forked from us runs our image until its exec; a command
 * whose #! line is /proc/self/exe would run it again as a container process, and other container
 * processes could then open /proc/PID/exe: the host's file (runc's CVE-2019-5736). So we run from
 * a sealed memfd copy: what /proc/PID/exe reaches is that copy, which no one can write. */
static int sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & F_SEAL_WRITE);
}

static void run_from_sealed_copy(char **argv) {
  extern char **environ;
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return; /* no /proc: nothing to protect against either */
  if (sealed(self)) { close(self); return; } /* we are the copy */
  /* The runtime's own sealed copy (POC_INIT_IMAGE=/proc/PID/fd/N, made once per JVM): every
     helper then runs the same pages, where a copy of our own would cost each container ~100 KiB. */
  const char *shared = getenv("POC_INIT_IMAGE");
  int image = shared ? open(shared, O_RDONLY | O_CLOEXEC) : -1;
  if (image >= 0 && sealed(image)) {
    close(self);
    fexecve(image, argv, environ);
  }
  if (image >= 0) close(image); /* not sealed, or the exec failed: a copy of our own */
  int copy = memfd_create("poc-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (copy < 0) { close(self); return; } /* a kernel without memfd: run as we are */
  struct stat st;
  if (fstat(self, &st) < 0) { close(self); close(copy); return; }
  for (off_t off = 0; off < st.st_size;) {
    ssize_t n = sendfile(copy, self, &off, st.st_size - off);
    if (n <= 0) { close(self); close(copy); return; }
  }
  close(self);
  if (fcntl(copy, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) { close(copy); return; }
  fexecve(copy, argv, environ);
  close(copy); /* exec failed: run as we are */
}

int main(int argc, char **argv) {
  int exec_mode = argc == 3 && !strcmp(argv[1], "exec");
  if (argc != 2 && !exec_mode) {
    fprintf(stderr, "poc-init is started by the poc runtime, not by hand (usage: poc-init [exec] SOCKET)\n");
    return 2;
  }
  run_from_sealed_copy(argv);
  prctl(PR_SET_NAME, "poc-init", 0, 0, 0); /* fexecve named us after a file descriptor */
  const char *socket_path = argv[argc - 1];
  int ctl = connect_socket(socket_path);
  if (ctl < 0) {
    fprintf(stderr, "poc-init: connect %s: %s\n", socket_path, strerror(errno));
    return 2;
  }
  report_fd = ctl;
  args_start = argv[0];
  args_len = argv[argc - 1] + strlen(argv[argc - 1]) - argv[0];
  read_plan(ctl);
  decode_seccomp();
  if (plan.detach || plan.startfifo) setsid();
  plan.startfd = -1;
  if (plan.startfifo && (plan.startfd = open(plan.startfifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
    die("open", plan.startfifo);
  /* The JVM's flock on the container's name, as the same open file (so the same lock): the init
   * inherits it and holds the name until it dies, whoever else reclaims or prunes meanwhile. */
  int lockfd = -1;
  if (plan.lockfrom[0]) {
    int pidfd = syscall(SYS_pidfd_open, atoi(plan.lockfrom[0]), 0);
    if (pidfd < 0 || (lockfd = syscall(SYS_pidfd_getfd, pidfd, atoi(plan.lockfrom[1]), 0)) < 0)
      die("pidfd_getfd", "name lock");
    close(pidfd);
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigchld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  /* A terminal's Ctrl+C reaches the init too, which forwards it; the JVM decides about us. */
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  if (exec_mode) return exec_main(ctl);
  take_preserved_fds();

  int rep[2], go[2], idsync[2] = { -1, -1 };
  if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) die("pipe", NULL);
  if (plan.uidmap && pipe2(idsync, O_CLOEXEC) < 0) die("pipe", "id maps");
  tty_prepare();
  io_prepare();
  open_cgroups();
  join_namespaces();
  pid_t init = clone_init();
  if (init < 0) die("clone", "namespaces");
  if (init == 0) {
    close(ctl);
    close(rep[0]);
    close(go[1]);
    if (idsync[1] >= 0) close(idsync[1]);
    tty_keep_end(1);
    io_keep_end(1);
    container_init(rep[1], go[0], idsync[0]);
  }
  close(rep[1]);
  close(go[0]);
  if (plan.uidmap) {
    close(idsync[0]);
    write_id_maps(init); /* on failure we die, and the init reads EOF and follows */
    if (write(idsync[1], "i", 1) != 1) die("write", "id maps written");
    close(idsync[1]);
  }
  close_preserved_fds(); /* the init holds them now */
  if (plan.startfd >= 0) close(plan.startfd); /* the init holds the only reader */
  if (lockfd >= 0) close(lockfd);             /* and the name lock */
  close_cgroups();
  close_namespace_fds();
  tty_keep_end(0);
  io_keep_end(0);
  log_start();
  say("PID %d", init);
  outer_drop_plan();
  trim_stack();
  return relay(init, ctl, rep[0], go[1], 0);
}
