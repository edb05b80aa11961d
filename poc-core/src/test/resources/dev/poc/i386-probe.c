/* i386-probe: the i386 ABI (int $0x80) inside an x86-64 container, without any libc: getpid and
 * kcmp through the 32-bit entry, each printed as NAME=ok or NAME=E<errno>. */
static long sys(long nr, long a, long b, long c, long d, long e) {
  long r;
  __asm__ volatile("push %%ebp\n\tmov %7, %%ebp\n\tint $0x80\n\tpop %%ebp"
                   : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e), "g"(0L) : "memory");
  return r;
}
static void out(const char *s) { long n = 0; while (s[n]) n++; sys(4, 1, (long)s, n, 0, 0); }
static void report(const char *name, long r) {
  char buf[64]; int i = 0;
  for (const char *p = name; *p; p++) buf[i++] = *p;
  buf[i++] = '=';
  if (r >= 0) { buf[i++] = 'o'; buf[i++] = 'k'; }
  else { long e = -r; char d[8]; int n = 0; buf[i++] = 'E'; do { d[n++] = '0' + e % 10; e /= 10; } while (e); while (n) buf[i++] = d[--n]; }
  buf[i++] = '\n'; buf[i] = 0; out(buf);
}
void _start(void) {
  report("i386 getpid", sys(20, 0, 0, 0, 0, 0));
  long pid = sys(20, 0, 0, 0, 0, 0);
  report("i386 kcmp", sys(349, pid, pid, 0, 0, 0));
  report("i386 personality(PER_BSD)", sys(136, 6, 0, 0, 0, 0));
  sys(1, 0, 0, 0, 0, 0);
  for (;;) {}
}
