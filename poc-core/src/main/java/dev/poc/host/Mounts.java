package dev.poc.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The host's mount table (this process's namespace) and the mount calls the storage layer makes. */
public final class Mounts {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  /**
   * One line of mountinfo: which directory of its file system ({@code root}, "/" for all of it) is
   * mounted where, what file system type, from which source, with which super options (for a v1
   * cgroup hierarchy: its controllers).
   */
  public record Entry(String root, Path mountPoint, String fsType, String source, List<String> superOptions) {}

  private Mounts() {}

  /** This process's mount table. */
  public static List<Entry> list() throws IOException {
    return parseAll(Files.readAllLines(MOUNTINFO));
  }

  /** The entries of mountinfo lines; malformed lines are skipped. The only mountinfo parser of poc. */
  public static List<Entry> parseAll(List<String> lines) {
    List<Entry> entries = new ArrayList<>();
    for (String line : lines) {
      Entry e = parse(line);
      if (e != null) {
        entries.add(e);
      }
    }
    return entries;
  }

  /** Parses one mountinfo line: "id parent maj:min root mountpoint opts [tags...] - fstype source superopts". */
  public static Entry parse(String line) {
    String[] f = line.split(" ");
    int dash = -1;
    for (int i = 6; i < f.length; i++) {
      if (f[i].equals("-")) {
        dash = i;
        break;
      }
    }
    if (f.length < 5 || dash < 0 || dash + 2 >= f.length) {
      return null;
    }
    List<String> superOptions = dash + 3 < f.length ? List.of(f[dash + 3].split(",")) : List.of();
    return new Entry(unescape(f[3]), Path.of(unescape(f[4])), f[dash + 1], unescape(f[dash + 2]), superOptions);
  }

  /** mountinfo writes space, tab, newline and backslash as \ooo. */
  public static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** The topmost mount on {@code mountPoint}, if anything is mounted there. */
  public static Optional<Entry> at(Path mountPoint) throws IOException {
    Entry found = null;
    for (Entry e : list()) {
      if (e.mountPoint().equals(mountPoint)) {
        found = e; // later lines are mounted over earlier ones
      }
    }
    return Optional.ofNullable(found);
  }

  /** Mount points at or below {@code dir}, deepest first (the order to unmount them in). */
  static List<Path> under(Path dir) throws IOException {
    List<Path> found = new ArrayList<>();
    for (Entry e : list()) {
      if (e.mountPoint().startsWith(dir) && !found.contains(e.mountPoint())) {
        found.add(e.mountPoint());
      }
    }
    found.sort(Comparator.comparingInt(Path::getNameCount).reversed());
    return found;
  }

  public static void mount(String source, Path target, String type, long flags, String data) throws IOException {
    if (LibC.get().mount(source, target.toString(), type, flags, data) != 0) {
      throw new IOException("mount " + type + " " + source + " on " + target + " (" + data + "): "
          + Errno.describe(Errno.last()));
    }
  }

  /**
   * Unmounts {@code target}; a busy one is detached lazily (it goes once its last user does).
   * Nothing mounted there is not an error.
   */
  public static void unmount(Path target) throws IOException {
    if (LibC.get().umount2(target.toString(), 0) == 0) {
      return;
    }
    int errno = Errno.last();
    if (errno == Errno.EINVAL || errno == Errno.ENOENT) {
      return; // not a mount point (any more)
    }
    if (errno == Errno.EBUSY && LibC.get().umount2(target.toString(), LibC.MNT_DETACH) == 0) {
      return;
    }
    throw new IOException("unmounting " + target + ": " + Errno.describe(Errno.last()));
  }

  /** Unmounts everything at or below {@code dir}, deepest first. */
  public static void unmountAll(Path dir) throws IOException {
    for (Path p : under(dir)) {
      unmount(p);
    }
  }
}
