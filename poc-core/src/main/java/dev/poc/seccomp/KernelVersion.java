package dev.poc.seccomp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Kernel release strings ({@code 6.1.0-13-amd64}) compared by their numeric major.minor.patch. */
final class KernelVersion {
  private KernelVersion() {}

  /** The running kernel's release (uname -r). */
  static String running() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
    } catch (IOException e) {
      return "0";
    }
  }

  static boolean atLeast(String release, String wanted) {
    int[] a = parse(release);
    int[] b = parse(wanted);
    for (int i = 0; i < 3; i++) {
      if (a[i] != b[i]) {
        return a[i] > b[i];
      }
    }
    return true;
  }

  static int[] parse(String v) {
    int[] out = new int[3];
    int i = 0;
    for (String p : v.split("\\.", 4)) {
      if (i == 3) {
        break;
      }
      String digits = p.replaceAll("[^0-9].*$", "");
      if (digits.isEmpty()) {
        break;
      }
      out[i++] = Integer.parseInt(digits);
      if (digits.length() != p.length()) {
        break; // "44-fc-v1272": the rest is not a version
      }
    }
    return out;
  }
}
