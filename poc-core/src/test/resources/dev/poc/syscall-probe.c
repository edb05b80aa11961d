/*
 * syscall-probe: calls system calls a seccomp profile treats specially, with arguments that do
 * nothing harmful when a call is let through, and prints one line per call: NAME=ok, or NAME=E<errno>.
 * Compiled statically by SeccompTest and run inside a poc container and under runc.
 * With an argument, probes only "mkdir DIR" (for the user-profile test).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#define SYS_listmount_ 458

static void report(const char *name, long r) {
  if (r >= 0) printf("%s=ok\n", name);
  else printf("%s=E%d\n", name, errno);
}

#define PROBE(name, ...) do { errno = 0; report(name, syscall(__VA_ARGS__)); } while (0)

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && !strcmp(argv[1], "mkdir")) {
    report("mkdir", mkdir(argv[2], 0700));
    return 0;
  }
  pid_t self = getpid();
  PROBE("getpid", SYS_getpid);
  PROBE("kcmp", SYS_kcmp, self, self, 0 /* KCMP_FILE */, 0, 0);
  PROBE("process_vm_readv", SYS_process_vm_readv, self, NULL, 0, NULL, 0, 0);
  PROBE("process_vm_writev", SYS_process_vm_writev, self, NULL, 0, NULL, 0, 0);
  PROBE("get_mempolicy", SYS_get_mempolicy, NULL, NULL, 0, NULL, 0);
  PROBE("set_mempolicy", SYS_set_mempolicy, 0, NULL, 0);
  PROBE("set_mempolicy_home_node", SYS_set_mempolicy_home_node, 0, 0, 0, 0);
  PROBE("mbind", SYS_mbind, NULL, 0, 0, NULL, 0, 0);
  PROBE("move_pages", SYS_move_pages, 0, 0, NULL, NULL, NULL, 0);
  PROBE("personality(query)", SYS_personality, 0xffffffffUL);
  PROBE("personality(PER_LINUX)", SYS_personality, 0);
  PROBE("personality(PER_BSD)", SYS_personality, 6);
  PROBE("personality(READ_IMPLIES_EXEC)", SYS_personality, 0x0400000);
  PROBE("personality(high bits)", SYS_personality, 0x100000000UL);
  long s = syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
  report("socket(AF_VSOCK)", s);
  s = syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
  report("socket(AF_INET)", s);
  if (s >= 0) close(s);
  s = syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
  report("socket(AF_UNIX)", s);
  if (s >= 0) close(s);
  PROBE("clock_settime", SYS_clock_settime, CLOCK_REALTIME, NULL);
  PROBE("settimeofday", SYS_settimeofday, NULL, NULL);
  PROBE("clock_adjtime", SYS_clock_adjtime, CLOCK_REALTIME, NULL);
  PROBE("vhangup", SYS_vhangup);
  PROBE("keyctl", SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0);
  PROBE("add_key", SYS_add_key, NULL, NULL, NULL, 0, 0);
  PROBE("request_key", SYS_request_key, NULL, NULL, NULL, 0);
  PROBE("userfaultfd", SYS_userfaultfd, 0);
  PROBE("bpf", SYS_bpf, 0, NULL, 0);
  PROBE("perf_event_open", SYS_perf_event_open, NULL, 0, -1, -1, 0);
  PROBE("io_uring_setup", SYS_io_uring_setup, 0, NULL);
  PROBE("io_uring_enter", SYS_io_uring_enter, -1, 0, 0, 0, NULL, 0);
  PROBE("io_uring_register", SYS_io_uring_register, -1, 0, NULL, 0);
  PROBE("open_by_handle_at", SYS_open_by_handle_at, -1, NULL, 0);
  PROBE("name_to_handle_at", SYS_name_to_handle_at, AT_FDCWD, NULL, NULL, NULL, 0);
  PROBE("unshare(0)", SYS_unshare, 0);
  PROBE("unshare(CLONE_NEWUSER)", SYS_unshare, CLONE_NEWUSER);
  PROBE("unshare(CLONE_NEWNS)", SYS_unshare, CLONE_NEWNS);
  errno = 0;
  long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
  if (c == 0) _exit(0);
  if (c > 0) waitpid(c, NULL, 0);
  report("clone(CLONE_NEWUSER)", c);
  errno = 0;
  c = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0);
  if (c == 0) _exit(0);
  if (c > 0) waitpid(c, NULL, 0);
  report("clone(SIGCHLD)", c);
  PROBE("clone3", SYS_clone3, NULL, 0);
  PROBE("ptrace", SYS_ptrace, 2 /* PTRACE_PEEKDATA */, 999999, 0, 0);
  PROBE("syslog", SYS_syslog, 10 /* SIZE_BUFFER */, NULL, 0);
  PROBE("quotactl", SYS_quotactl, 0, NULL, 0, NULL);
#ifdef SYS_lookup_dcookie
  PROBE("lookup_dcookie", SYS_lookup_dcookie, 0, NULL, 0);
#endif
  PROBE("fanotify_init", SYS_fanotify_init, 0, 0);
  PROBE("mount", SYS_mount, "none", "/nonexistent-probe", "tmpfs", 0, NULL);
  PROBE("umount2", SYS_umount2, "/nonexistent-probe", 0);
  PROBE("open_tree", SYS_open_tree, -1, NULL, 0);
  PROBE("fsopen", SYS_fsopen, NULL, 0);
  PROBE("reboot", SYS_reboot, 0, 0, 0, NULL);
  PROBE("setns", SYS_setns, -1, 0);
  PROBE("sethostname", SYS_sethostname, NULL, 0);
  PROBE("setdomainname", SYS_setdomainname, NULL, 0);
  PROBE("init_module", SYS_init_module, NULL, 0, NULL);
  PROBE("finit_module", SYS_finit_module, -1, NULL, 0);
  PROBE("delete_module", SYS_delete_module, NULL, 0);
  PROBE("kexec_load", SYS_kexec_load, 0, 0, NULL, 0);
  PROBE("acct", SYS_acct, NULL);
  PROBE("swapon", SYS_swapon, NULL, 0);
  PROBE("iopl", SYS_iopl, 0);
  PROBE("ioperm", SYS_ioperm, 0, 0, 0);
  PROBE("pidfd_getfd", SYS_pidfd_getfd, -1, -1, 0);
  PROBE("process_madvise", SYS_process_madvise, -1, NULL, 0, 0, 0);
  PROBE("sysfs", SYS_sysfs, 3, 0, 0);
  PROBE("listmount", SYS_listmount_, NULL, NULL, 0, 0);
  PROBE("uselib", SYS_uselib, NULL);
  PROBE("chroot", SYS_chroot, "/");
  PROBE("landlock_create_ruleset", SYS_landlock_create_ruleset, NULL, 0, 1);
  PROBE("mkdir", SYS_mkdir, "/tmp/probe-dir", 0700);
  rmdir("/tmp/probe-dir");
  PROBE("getrandom", SYS_getrandom, NULL, 0, 0);
#ifdef __x86_64__
  /* The x32 ABI: the same entry, numbers with __X32_SYSCALL_BIT (ENOSYS from a kernel without x32). */
  PROBE("x32 getpid", 0x40000000L | 39);
  PROBE("x32 kcmp", 0x40000000L | 312, self, self, 0, 0, 0);
#endif
  return 0;
}
