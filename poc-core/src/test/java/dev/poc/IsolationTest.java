package dev.poc;

import dev.poc.cgroup.CgroupLayout;
import dev.poc.cgroup.Cgroups;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import dev.poc.state.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the container cannot see or touch of the host, on the real kernel. */
class IsolationTest extends RuntimeTestBase {
  private static Run inBusybox(String script) throws Exception {
    return Run.of(busybox("iso", script));
  }

  private static Run host(String script) throws Exception {
    return Run.of(runtime.container().name(TestRootfs.uniqueName("isoh")).rootfs(Rootfs.host())
        .command("sh", "-c", script));
  }

  @Test
  void pidOneIsTheInitAndPsSeesOnlyTheContainer() throws Exception {
    Run r = inBusybox("echo $$; ps -o pid,comm");
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out.split("\n");
    assertThat(lines[0]).isEqualTo("2"); // the init is PID 1, the command its first child
    assertThat(r.out).contains("1 poc-init");
    // Header, init, sh, ps: nothing of the host's hundreds of processes.
    assertThat(lines.length - 1).isLessThanOrEqualTo(4);
  }

  @Test
  void hostnameIsTheNameAndStaysInside() throws Exception {
    String before = InetAddress.getLocalHost().getHostName();
    String name = TestRootfs.uniqueName("uts");
    Run r = Run.of(runtime.container().name(name).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", "hostname; hostname other || echo refused"));
    assertThat(r.out).startsWith(name + "\n").contains("refused");
    assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim()).isEqualTo(before);
  }

  @Test
  void sysvSharedMemoryMadeInsideIsInvisibleOutside() throws Exception {
    // ipcmk (util-linux) from the host rootfs makes a segment; the host's table must not show it.
    try (Container c = runtime.container().name(TestRootfs.uniqueName("ipc")).rootfs(Rootfs.host())
        .command("sh", "-c", "ipcmk -M 4096 -p 0600 >/dev/null && cat /proc/sysvipc/shm | tail -n +2 | wc -l && sleep 30")
        .start()) {
      String inside = new java.io.BufferedReader(new java.io.InputStreamReader(c.stdout())).readLine();
      assertThat(inside).isEqualTo("1");
      String hostTable = Files.readString(Path.of("/proc/sysvipc/shm"));
      assertThat(hostTable.lines().filter(l -> l.contains(" 4096 ")).filter(l -> l.contains(Integer.toString(c.pid()))))
          .isEmpty();
    }
  }

  @Test
  void mountsMadeForTheContainerAreInvisibleOnTheHost() throws Exception {
    try (Container c = runtime.container().name(TestRootfs.uniqueName("mnt")).rootfs(Rootfs.host())
        .command("sleep", "30").start()) {
      Path runDir = runtime.runDir(c.name());
      String hostMounts = Files.readString(Path.of("/proc/self/mountinfo"));
      assertThat(hostMounts).doesNotContain(runDir.toString()).doesNotContain("root-mount");
      String inside = Files.readString(Path.of("/proc/" + c.pid() + "/mountinfo"));
      assertThat(inside).contains(" /tmp ").contains(" /proc ");
    }
  }

  @Test
  void theHostRootfsGetsAGeneratedEtcInMemoryAndItsRunDirHoldsNoMountPoint() throws Exception {
    String script = "cat /etc/hostname; test -e /etc/shadow || echo no-shadow; test -s /etc/ld.so.cache && echo ld-cache; "
        + "grep -c '^root:' /etc/passwd; echo x > /etc/new && cat /etc/new; "
        + "awk '$5 == \"/etc\" {print $(NF-2)}' /proc/self/mountinfo; "
        // passwd is a file of the container's own, which sed -i (a rename over it) may replace
        + "sed -i 's/^nobody:/nobody2:/' /etc/passwd && grep -c '^nobody2:' /etc/passwd; "
        + "awk '$5 == \"/etc/passwd\"' /proc/self/mountinfo | wc -l; sleep 30";
    String name = TestRootfs.uniqueName("etc");
    try (Container c = runtime.container().name(name).rootfs(Rootfs.host()).command("sh", "-c", script).start()) {
      java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(c.stdout()));
      List<String> lines = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) {
        lines.add(out.readLine());
      }
      assertThat(lines).containsExactly(name, "no-shadow", "ld-cache", "1", "x", "tmpfs", "1", "0");
      try (var entries = Files.list(runtime.runDir(name))) {
        assertThat(entries.filter(Files::isDirectory)).as("directories in the run dir").isEmpty();
      }
    }
  }

  @Test
  void onlyLoopbackExistsAndIsUp() throws Exception {
    Run r = inBusybox("ip -o link; echo ---; ip route; echo ---; cat /proc/net/dev | tail -n +3");
    String[] parts = r.out.split("---\n", -1);
    assertThat(parts[0].trim().lines()).hasSize(1).allMatch(l -> l.contains(": lo:") && l.contains("UP"));
    assertThat(parts[1].trim()).isEmpty();
    assertThat(parts[2].trim().lines()).hasSize(1);
  }

  @Test
  void procAndSysAreMountedAndSysIsReadOnly() throws Exception {
    Run r = inBusybox("grep -E ' /proc | /sys ' /proc/mounts; touch /sys/x 2>&1 || echo sys-ro");
    assertThat(r.out).contains("proc /proc proc rw").contains("sysfs /sys sysfs ro").contains("sys-ro");
  }

  @Test
  void hostFilesOutsideTheRootfsAreUnreachable() throws Exception {
    Path marker = Files.writeString(Files.createTempFile(Path.of("target").toAbsolutePath(), "host-only", ".txt"), "secret");
    try {
      String rel = "../../../../../../../../.." + marker;
      Run r = inBusybox("cd ../../../../../..; pwd; ls /; cat " + rel + " 2>&1; cat " + marker + " 2>&1; true");
      assertThat(r.out).doesNotContain("secret").startsWith("/\n");
      // The chroot trick: chroot into a subdirectory, climb out of it, chroot to what is there.
      Run escape = host("mkdir /tmp/jail && python3 -c \"import os; os.chroot('/tmp/jail'); "
          + "[os.chdir('..') for _ in range(64)]; os.chroot('.'); print(sorted(os.listdir('/')))\"");
      assertThat(escape.code()).as(escape.toString()).isZero();
      assertThat(escape.out).doesNotContain("'work'").doesNotContain("'home'").contains("'usr'");
      assertThat(Files.readString(marker)).isEqualTo("secret");
    } finally {
      Files.delete(marker);
    }
  }

  @Test
  void capabilitiesAreDockersFourteenAndNoNewPrivsIsSet() throws Exception {
    Run r = inBusybox("grep -E '^(CapBnd|CapEff|CapPrm|CapInh|CapAmb|NoNewPrivs)' /proc/self/status");
    assertThat(r.out).contains("CapBnd:\t00000000a80425fb").contains("CapEff:\t00000000a80425fb")
        .contains("CapInh:\t0000000000000000").contains("CapAmb:\t0000000000000000").contains("NoNewPrivs:\t1");
  }

  @Test
  void privilegedOperationsFailInside() throws Exception {
    Run r = inBusybox("mkdir -p /tmp/m; mount -t tmpfs none /tmp/m && echo MOUNTED; "
        + "ip link add dummy0 type dummy && echo LINKED; "
        + "echo b > /proc/sysrq-trigger && echo SYSRQ; "
        + "echo 1 > /proc/sys/kernel/ns_last_pid && echo SYSCTL; "
        + "reboot -f && echo REBOOTED; sleep 1; echo alive");
    assertThat(r.out).doesNotContain("MOUNTED").doesNotContain("LINKED").doesNotContain("SYSRQ")
        .doesNotContain("SYSCTL").contains("alive");
    assertThat(r.code()).isZero();
  }

  @Test
  void sensitiveProcFilesAreMasked() throws Exception {
    Run r = inBusybox("wc -c < /proc/keys; wc -c < /proc/timer_list; cat /proc/kallsyms 2>/dev/null | wc -c");
    assertThat(r.out.trim().split("\\s+")).containsOnly("0");
  }

  @Test
  void hostRootfsHidesHostSecretsAndIsReadOnlyWhereShared() throws Exception {
    Run r = host("ls /home 2>&1; ls /var/lib 2>&1; cat /etc/shadow 2>&1; ls /root; "
        + "touch /usr/x 2>&1 || echo usr-ro; touch /tmp/x && echo tmp-rw; touch /etc/x && echo etc-rw; id -u");
    assertThat(r.out).contains("ls: cannot access '/home'").contains("ls: cannot access '/var/lib'")
        .contains("cat: /etc/shadow: No such file").contains("usr-ro").contains("tmp-rw").contains("etc-rw")
        .endsWith("0\n");
  }

  @Test
  void devHasOnlyTheMinimalNodes() throws Exception {
    Run r = inBusybox("ls /dev | tr '\\n' ' '; echo; head -c 4 /dev/urandom | wc -c; echo x > /dev/null && echo null-ok");
    assertThat(r.out.lines().findFirst().orElse("").trim().split(" "))
        .containsExactlyInAnyOrder("fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr",
            "stdin", "stdout", "tty", "urandom", "zero");
    assertThat(r.out).contains("4\n").contains("null-ok");
  }

  @Test
  void aDeviceNodeMadeInsideCannotBeOpenedWhereNoV1DevicesControllerGuards() throws Exception {
    // cgroup v2 has no devices controller. Where this host has a v1 one, open the container's
    // list to everything, as a v2-only host would leave it: only the BPF filter may stand.
    try (Container c = busybox("devs", "sleep 30").start()) {
      Path v1 = CgroupLayout.detect().v1().get("devices");
      if (v1 != null) {
        Files.writeString(v1.resolve(Cgroups.PARENT).resolve(c.name()).resolve("devices.allow"), "a");
      }
      // /dev/kmsg (c 1:11), opened for writing without writing: not on the allow-list.
      try (ContainerProcess p = c.exec("sh", "-c", "mknod /dev/k c 1 11 && : > /dev/k && echo OPENED; "
          + "echo x > /dev/null && echo null-ok")) {
        String out = new String(p.stdout().readAllBytes()) + new String(p.stderr().readAllBytes());
        p.waitFor();
        assertThat(out).doesNotContain("OPENED").contains("Operation not permitted").contains("null-ok");
      }
    }
  }

  @Test
  void theContainerDiesWithItsCloseEvenIfBusy() throws Exception {
    Container c = runtime.container().name(TestRootfs.uniqueName("busy")).rootfs(Rootfs.directory(busybox))
        .command("sh", "-c", "sleep 100 & sleep 100 & wait").start();
    int pid = c.pid();
    c.close();
    assertThat(ProcessHandle.of(pid)).isEmpty();
    assertThat(c.exitStatus().reason()).isEqualTo(ExitStatus.Reason.SIGNALED);
    TimeUnit.MILLISECONDS.sleep(1);
  }

  @Test
  void userNamespacesAndOtherKernelSurfacesAreDeniedBySeccomp() throws Exception {
    // A user namespace would hand the container's root a full capability set again.
    Run r = host("unshare -Ur id 2>&1 || echo userns-denied; "
        + "python3 -c \"import ctypes,os; libc=ctypes.CDLL(None, use_errno=True); "
        + "print('keyctl', libc.syscall(250, 0, 0, 0, 0, 0), ctypes.get_errno()); "
        + "print('io_uring', libc.syscall(425, 1, 0), ctypes.get_errno()); "
        + "print('bpf', libc.syscall(321, 0, 0, 0), ctypes.get_errno())\"; "
        + "grep Seccomp: /proc/self/status");
    assertThat(r.out).as(r.toString()).contains("userns-denied").doesNotContain("uid=0(root) gid=0(root) groups=0(root),65534")
        .contains("keyctl -1 1").contains("io_uring -1 1").contains("bpf -1 1").contains("Seccomp:\t2");
  }

  @Test
  void ordinaryWorkStillRunsUnderTheFilter() throws Exception {
    Run r = host("sh -c 'echo nested' && (sleep 0.01 &) && python3 -c 'import threading,subprocess; "
        + "t=threading.Thread(target=lambda: None); t.start(); t.join(); print(subprocess.run([\"true\"]).returncode)'");
    assertThat(r.out).as(r.toString()).isEqualTo("nested\n0\n");
  }

  @Test
  void theHelperRunsFromASealedCopySoNoContainerProcessCanReachTheHostBinary() throws Exception {
    // A command whose #! line is /proc/self/exe runs the init's image; it must not be the host file.
    try (Container c = busybox("exe", "sleep 30").start()) {
      Path exe = Path.of("/proc/" + c.pid() + "/exe");
      assertThat(Files.readSymbolicLink(exe).toString()).startsWith("/memfd:poc-init");
      assertThatThrownBy(() -> {
        try (var out = Files.newOutputStream(exe)) {
          out.write('x');
        }
      }).isInstanceOf(java.io.IOException.class);
    }
  }

  @Test
  void everyHelperOfAJvmRunsTheSameSealedImageNotACopyOfItsOwn() throws Exception {
    // A copy per helper would cost every running container the binary's size again.
    try (Container a = busybox("img-a", "sleep 30").start(); Container b = busybox("img-b", "sleep 30").start()) {
      Object inode = imageOf(a.pid());
      assertThat(imageOf(b.pid())).isEqualTo(inode);
      assertThat(imageOf(RunState.parentPid(a.pid()))).as("the outer helper's").isEqualTo(inode);
    }
  }

  private static Object imageOf(long pid) throws Exception {
    Path exe = Path.of("/proc/" + pid + "/exe");
    assertThat(Files.readSymbolicLink(exe).toString()).startsWith("/memfd:poc-init");
    return Files.getAttribute(exe, "unix:ino");
  }
}
