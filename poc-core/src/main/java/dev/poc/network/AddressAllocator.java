package dev.poc.network;

import dev.poc.host.Directories;
import dev.poc.InvalidSpecException;
import dev.poc.PocException;
import dev.poc.host.Flock;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Hands out the /24 blocks ("slots") of one subnet to containers, one lease per container name,
 * in a file that every process of the host shares under an exclusive file lock. Slots are taken
 * next-fit (after the last one handed out, wrapping around), so a freed address is reused only
 * after the others, and a neighbour's stale ARP entry for it has long expired.
 *
 * <p>The seed's counter (+256 on create, -256 on delete) gave the same address twice when
 * containers went away out of order; here a slot is free exactly when no lease names it.
 */
public final class AddressAllocator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUFFIX = ".leases.json";

  /**
   * Slot {@code slot} belongs to container {@code name}, started from run directory {@code owner};
   * {@code start} tells this start's lease from a later start's of the same name and run directory
   * (empty in files written before it existed).
   */
  public record Lease(int slot, String name, String owner, String start) {}

  /** Makes each lease's {@code start} unique on the host: this JVM's pid, a counter and the clock. */
  private static final java.util.concurrent.atomic.AtomicLong STARTS = new java.util.concurrent.atomic.AtomicLong();

  /** Decides whether a lease's container is gone, and removes what it left. */
  interface Janitor {
    /** The lease's container is known gone (its name is ours now): remove what it left. */
    void cleanUp(Lease lease);

    /** When the subnet is full: cleans up and returns true if the lease's container is gone. */
    boolean reclaimIfGone(Lease lease);
  }

  private final Path file;
  private final Ipv4Subnet subnet;

  /** An allocator of {@code subnet}, keeping its leases in {@code dir}. */
  public AddressAllocator(Path dir, Ipv4Subnet subnet) {
    String base = subnet.toString().replace('/', '_');
    this.file = dir.resolve(base + SUFFIX);
    this.subnet = subnet;
  }

  /** Whether its lease file exists (something was leased since the last prune). */
  public boolean exists() {
    return Files.exists(file);
  }

  public Ipv4Subnet subnet() {
    return subnet;
  }

  /**
   * Leases a slot to {@code name}. A lease the name still holds from a run that is gone is cleaned
   * up and dropped first. Slots for which {@code busyOnHost} is true are skipped. When no slot is
   * free, leases of containers that are gone are reclaimed; if none is, this fails.
   */
  Lease acquire(String name, String owner, IntPredicate busyOnHost, Janitor janitor) throws IOException {
    return locked(table -> {
      for (Lease old : List.copyOf(table.leases)) {
        if (old.name().equals(name)) {
          janitor.cleanUp(old);
          table.leases.remove(old);
        }
      }
      int slot = freeSlot(table, busyOnHost);
      if (slot < 0 && reclaimGone(table, janitor)) {
        slot = freeSlot(table, busyOnHost);
      }
      if (slot < 0) {
        throw new PocException("no free address in " + subnet + ": its " + (subnet.slots() - 1)
            + " blocks are leased to running containers (" + table.leases.size() + ") or used by host interfaces."
            + " Stop a container, or give the runtime a larger subnet with NetworkSettings");
      }
      Lease lease = new Lease(slot, name, owner,
          ProcessHandle.current().pid() + "-" + STARTS.incrementAndGet() + "-" + System.nanoTime());
      table.leases.add(lease);
      table.next = slot + 1;
      return lease;
    });
  }

  /** Drops {@code name}'s lease if {@code owner} holds it; true when one was dropped. */
  boolean release(String name, String owner) throws IOException {
    return locked(table -> table.leases.removeIf(l -> l.name().equals(name) && l.owner().equals(owner)));
  }

  /**
   * Drops exactly {@code lease}, if it is still held; true when it was. A lease released late (by
   * the {@link VethReaper}) must not drop the lease a new start of the same name took meanwhile.
   */
  boolean release(Lease lease) throws IOException {
    return locked(table -> table.leases.remove(lease));
  }

  /** Drops {@code name}'s lease held by {@code owner} in whichever subnet's file under {@code dir} has it. */
  static void releaseEverywhere(Path dir, String name, String owner) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> files;
    try (java.util.stream.Stream<Path> s = Files.list(dir)) {
      files = s.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).toList();
    }
    for (Path f : files) {
      String base = f.getFileName().toString();
      String cidr = base.substring(0, base.length() - SUFFIX.length()).replace('_', '/');
      Ipv4Subnet subnet;
      try {
        subnet = Ipv4Subnet.parse(cidr, "lease file");
      } catch (InvalidSpecException e) {
        continue; // not one of ours
      }
      new AddressAllocator(dir, subnet).release(name, owner);
    }
  }

  /** The current leases. */
  public List<Lease> leases() throws IOException {
    return locked(table -> List.copyOf(table.leases));
  }

  /** Reclaims every lease whose container is gone; returns how many. */
  int reclaimAll(Janitor janitor) throws IOException {
    return reclaimAll(janitor, lease -> true);
  }

  /**
   * Whether the lease file holds {@code text} at all, read without the lock and without parsing:
   * a cheap first look, so that a runtime opening (every CLI command) parses the file only when it
   * may have something to reclaim there.
   */
  boolean mayMention(String text) throws IOException {
    if (!Files.exists(file)) {
      return false;
    }
    boolean plain = text.chars().allMatch(c -> c >= 0x20 && c != '"' && c != '\\' && c < 0x7f);
    return !plain || Files.readString(file).contains(text); // otherwise JSON may have escaped it
  }

  /** Reclaims the leases {@code which} selects whose container is gone; returns how many. */
  int reclaimAll(Janitor janitor, java.util.function.Predicate<Lease> which) throws IOException {
    if (!Files.exists(file)) {
      return 0; // nothing was ever leased here: do not make the file
    }
    return locked(table -> {
      int before = table.leases.size();
      table.leases.removeIf(l -> which.test(l) && janitor.reclaimIfGone(l));
      return before - table.leases.size();
    });
  }

  private boolean reclaimGone(Table table, Janitor janitor) {
    return table.leases.removeIf(janitor::reclaimIfGone);
  }

  private int freeSlot(Table table, IntPredicate busyOnHost) {
    boolean[] taken = new boolean[subnet.slots()];
    for (Lease l : table.leases) {
      if (l.slot() > 0 && l.slot() < taken.length) {
        taken[l.slot()] = true;
      }
    }
    int n = taken.length - 1; // slots 1..n; block 0 is never handed out
    for (int i = 0; i < n; i++) {
      int slot = 1 + Math.floorMod(table.next - 1 + i, n);
      if (!taken[slot] && !busyOnHost.test(slot)) {
        return slot;
      }
    }
    return -1;
  }

  private interface Action<T> {
    T apply(Table table) throws IOException;
  }

  /**
   * Runs {@code action} on the table with the file locked, and writes the table back if it
   * changed. The file is rewritten in place (one write at offset 0, padded with blanks to its old
   * length) rather than replaced: creating a file costs a block allocation, which on a disk-backed
   * /run is a hundred times the cost of the rest.
   */
  private <T> T locked(Action<T> action) throws IOException {
    return locked(action, false);
  }

  /**
   * Deletes the lease file when no lease is left in it ({@code prune}). It is deleted while locked,
   * so a process waiting for the lock finds the path gone and locks the new file (see {@link Flock}).
   */
  void removeIfUnused() throws IOException {
    if (Files.exists(file)) {
      locked(table -> null, true);
    }
  }

  private <T> T locked(Action<T> action, boolean removeIfUnused) throws IOException {
    Directories.ensure(file.getParent());
    // a flock excludes the threads of this JVM as it excludes other processes
    try (Flock held = Flock.lock(file)) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        ByteBuffer old = ByteBuffer.allocate((int) ch.size());
        while (old.hasRemaining() && ch.read(old, old.position()) > 0) {
          // read it all
        }
        String before = new String(old.array(), StandardCharsets.UTF_8).trim();
        Table table = Table.decode(before, file, subnet);
        T result = action.apply(table);
        if (removeIfUnused && table.leases.isEmpty()) {
          held.deleteFile();
          return result;
        }
        String after = table.encode();
        if (!after.equals(before)) {
          byte[] bytes = after.getBytes(StandardCharsets.UTF_8);
          byte[] padded = Arrays.copyOf(bytes, Math.max(bytes.length + 1, old.capacity()));
          Arrays.fill(padded, bytes.length, padded.length, (byte) ' ');
          padded[padded.length - 1] = '\n';
          ByteBuffer out = ByteBuffer.wrap(padded);
          while (out.hasRemaining()) {
            ch.write(out, out.position());
          }
        }
        return result;
      }
    }
  }

  /** The file's content, read and written under the lock. */
  private static final class Table {
    int next = 1;
    final List<Lease> leases = new ArrayList<>();

    static Table decode(String text, Path file, Ipv4Subnet subnet) {
      Table t = new Table();
      if (text.isEmpty()) {
        return t;
      }
      try {
        Map<?, ?> m = JSON.readValue(text, Map.class);
        t.next = ((Number) m.get("next")).intValue();
        for (Object o : (List<?>) m.get("leases")) {
          Map<?, ?> l = (Map<?, ?>) o;
          Object start = l.get("start");
          t.leases.add(new Lease(((Number) l.get("slot")).intValue(), (String) l.get("name"), (String) l.get("owner"),
              start == null ? "" : (String) start));
        }
      } catch (IOException | RuntimeException e) {
        throw new PocException("the address leases in " + file + " cannot be read (" + e.getMessage()
            + "): stop poc's containers on " + subnet + " and delete the file", e);
      }
      return t;
    }

    String encode() throws IOException {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("next", next);
      List<Map<String, Object>> list = new ArrayList<>();
      for (Lease l : leases) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("slot", l.slot());
        e.put("name", l.name());
        e.put("owner", l.owner());
        e.put("start", l.start());
        list.add(e);
      }
      m.put("leases", list);
      return JSON.writeValueAsString(m);
    }
  }
}
