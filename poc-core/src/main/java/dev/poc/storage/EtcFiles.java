package dev.poc.storage;

import dev.poc.ContainerSpec;
import dev.poc.network.NetworkMembers;
import dev.poc.network.dns.DnsAuthority;
import dev.poc.spi.NetworkFacts;
import dev.poc.spi.StartContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The generated /etc files: the whole /etc of the host rootfs, or three files over an image's. */
public final class EtcFiles {
  private EtcFiles() {}

  /**
   * A complete minimal /etc for {@link HostRootfs}, on the container's /etc (a tmpfs the plan has
   * made): passwd, group and nsswitch.conf written there by the init, files of the container's own
   * that {@code useradd} or {@code sed -i} may replace; hosts, hostname and resolv.conf bound from
   * the run directory, as over an image (a named network rewrites hosts as members come and go).
   */
  static void writeHostEtc(StartContext ctx) throws IOException {
    ContainerSpec spec = ctx.spec();
    StringBuilder passwd = new StringBuilder("root:x:0:0:root:/root:/bin/sh\n");
    StringBuilder group = new StringBuilder("root:x:0:\ntty:x:5:\n");
    if (spec.uid() != 0) {
      passwd.append("user:x:").append(spec.uid()).append(':').append(spec.gid()).append(":user:/tmp:/bin/sh\n");
    }
    if (spec.gid() != 0 && spec.gid() != 5) {
      group.append("user:x:").append(spec.gid()).append(":\n");
    }
    passwd.append("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
    group.append("nogroup:x:65534:\n");
    ctx.plan().file("/etc/passwd", passwd.toString());
    ctx.plan().file("/etc/group", group.toString());
    ctx.plan().file("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
    bindNetworkFiles(ctx);
  }

  /**
   * hosts, hostname and resolv.conf, to bind over an image's own. They lie in the run directory
   * itself, not in a directory of their own: on ext4 a directory costs a start its mkdir and its
   * release an rmdir (0.2 to 2 ms each on the VMs poc is measured on), three files far less.
   */
  public static void bindNetworkFiles(StartContext ctx) throws IOException {
    Path dir = ctx.runDir();
    writeNetworkFiles(ctx, dir);
    for (String f : List.of("hosts", "hostname", "resolv.conf")) {
      ctx.plan().bind(dir.resolve(f), "/etc/" + f, "nodev,nosuid,noexec");
    }
  }

  private static void writeNetworkFiles(StartContext ctx, Path dir) throws IOException {
    String host = ctx.spec().hostname();
    NetworkFacts net = ctx.fact(NetworkFacts.class);
    StringBuilder hosts = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    if (net != null && net.address().isPresent()) {
      hosts.append(net.address().get()).append('\t').append(host).append('\n');
    } else {
      hosts.append("127.0.1.1\t").append(host).append('\n');
    }
    write(dir.resolve("hosts"), hosts.toString());
    write(dir.resolve("hostname"), host + "\n");
    NetworkMembers members = ctx.fact(NetworkMembers.class);
    if (members != null && net != null && net.address().isPresent()) {
      // a named network: its DNS responder on the gateway answers its members' names and refuses
      // every other name (it forwards nothing); hosts also lists the members (rewritten as they
      // come and go), for resolvers that read it first and for when no process of poc answers
      List<String> names = new ArrayList<>(List.of(host));
      names.addAll(ctx.spec().networkAliases());
      members.join(ctx.name(), net.address().get(), names, dir.resolve("hosts"));
      write(dir.resolve("resolv.conf"), "nameserver " + net.gateway().orElseThrow() + "\nsearch "
          + DnsAuthority.DOMAIN + "\n");
    } else {
      write(dir.resolve("resolv.conf"), resolvConf());
    }
  }

  /** The host's nameservers without loopback ones (unreachable from inside), else a public one. */
  static String resolvConf() {
    List<String> servers = new ArrayList<>();
    List<String> other = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
        String t = line.trim();
        if (t.startsWith("nameserver")) {
          String addr = t.substring("nameserver".length()).trim();
          if (!addr.startsWith("127.") && !addr.equals("::1")) {
            servers.add(addr);
          }
        } else if (t.startsWith("search") || t.startsWith("options")) {
          other.add(t);
        }
      }
    } catch (IOException e) {
      // no host resolver configuration: the fallback below applies
    }
    if (servers.isEmpty()) {
      servers.add("8.8.8.8");
    }
    StringBuilder sb = new StringBuilder();
    for (String s : servers) {
      sb.append("nameserver ").append(s).append('\n');
    }
    for (String o : other) {
      sb.append(o).append('\n');
    }
    return sb.toString();
  }

  static void write(Path file, String content) throws IOException {
    Files.write(file, content.getBytes(StandardCharsets.UTF_8));
  }
}
