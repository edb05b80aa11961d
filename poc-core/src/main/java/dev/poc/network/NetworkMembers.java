package dev.poc.network;

import dev.poc.host.Flock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who is on one named network, and the names they answer to: how its members find each other.
 * The list is the network's DNS responder's only source ({@link #names}, read at each query), so
 * it is right whichever process started a member. Each member's /etc/hosts (a file of its run
 * directory, bound into it) also lists every member's address under its container name, hostname
 * and aliases, rewritten in place on each join and leave (same inode, so the bind mount shows the
 * new content) under the network's lock: the fallback while no process of the network answers DNS.
 */
public final class NetworkMembers {
  static final String FILE = "members";
  private static final String BASE = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";

  /** One member: container, address, its hosts file, and the names it answers to. */
  record Member(String container, String address, String hostsFile, List<String> names) {
    String line() {
      return container + "\t" + address + "\t" + hostsFile + "\t" + String.join(" ", names);
    }

    static Member parse(String line) {
      String[] f = line.split("\t", 4);
      return new Member(f[0], f[1], f[2], f.length > 3 && !f[3].isBlank() ? List.of(f[3].split(" ")) : List.of());
    }
  }

  private final Path dir;

  NetworkMembers(Path dir) {
    this.dir = dir;
  }

  /**
   * {@code container} at {@code address} joins under {@code names}; {@code hostsFile} is its
   * /etc/hosts, written now and on every later change. An earlier entry of the same container is replaced.
   */
  public void join(String container, String address, List<String> names, Path hostsFile) throws IOException {
    Set<String> all = new LinkedHashSet<>();
    all.add(container);
    all.addAll(names);
    change(members -> {
      members.removeIf(m -> m.container().equals(container));
      members.add(new Member(container, address, hostsFile.toAbsolutePath().toString(), List.copyOf(all)));
    });
  }

  /** {@code container} leaves, if its entry still holds {@code address} (a later start's is kept). */
  void leave(String container, String address) throws IOException {
    change(members -> members.removeIf(m -> m.container().equals(container)
        && (address == null || m.address().equals(address))));
  }

  /** Drops the members that {@code keep} rejects (their container is gone), rewriting the others' files. */
  void retain(java.util.function.Predicate<String> keep) throws IOException {
    change(members -> members.removeIf(m -> !keep.test(m.container())));
  }

  /**
   * What the network's DNS responder answers now: each name a member answers to (lower case) and
   * the addresses of the members that have it.
   */
  public java.util.Map<String, List<String>> names() throws IOException {
    java.util.Map<String, List<String>> names = new java.util.HashMap<>();
    for (Member m : members()) {
      for (String n : m.names()) {
        List<String> addresses = names.computeIfAbsent(n.toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>());
        if (!addresses.contains(m.address())) {
          addresses.add(m.address());
        }
      }
    }
    return names;
  }

  /** The lock whose holder answers the network's DNS queries ({@link dev.poc.network.dns.DnsResponder}). */
  Path dnsLock() {
    return dir.resolve("dns.lock");
  }

  /** The members now. */
  List<Member> members() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Flock held = Flock.lock(dir.resolve(FILE + ".lock"))) {
      return read();
    }
  }

  private interface Change {
    void apply(List<Member> members);
  }

  private void change(Change change) throws IOException {
    if (!Files.isDirectory(dir)) {
      return; // the network was removed
    }
    try (Flock held = Flock.lock(dir.resolve(FILE + ".lock"))) {
      List<Member> members = read();
      List<Member> before = List.copyOf(members);
      change.apply(members);
      if (members.equals(before)) {
        return;
      }
      StringBuilder sb = new StringBuilder();
      members.forEach(m -> sb.append(m.line()).append('\n'));
      Files.writeString(dir.resolve(FILE), sb.toString());
      String hosts = hosts(members);
      for (Member m : members) {
        rewriteInPlace(Path.of(m.hostsFile()), hosts);
      }
    }
  }

  private List<Member> read() throws IOException {
    List<Member> members = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dir.resolve(FILE))) {
        if (!line.isBlank()) {
          members.add(Member.parse(line));
        }
      }
    } catch (NoSuchFileException e) {
      // no member yet
    }
    return members;
  }

  static String hosts(List<Member> members) {
    StringBuilder sb = new StringBuilder(BASE);
    for (Member m : members) {
      sb.append(m.address()).append('\t').append(String.join(" ", m.names())).append('\n');
    }
    return sb.toString();
  }

  /**
   * Writes the file over its old content and cuts it to the new length, keeping its inode (the
   * member's bind mount shows it at once) and never leaving it empty; a file that is gone (its run
   * ended) is left gone.
   */
  private static void rewriteInPlace(Path file, String content) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) {
        ch.write(b, b.position());
      }
      ch.truncate(b.limit());
    } catch (NoSuchFileException e) {
      // that member's run directory is gone; its entry goes when it leaves or is reclaimed
    }
  }
}
