package dev.poc.bench;

import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * This JVM's own diagnostic commands (what {@code jcmd} would send it), for the soak's memory
 * gauges: glibc's free memory handed back to the kernel, and native memory tracking by category.
 */
final class JvmDiagnostics {
  private static final String[] NO_ARGS = new String[0];
  private static final Pattern HEAP_RANGE = Pattern.compile("\\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");

  private JvmDiagnostics() {}

  /**
   * {@code System.trim_native_heap}: glibc keeps memory that the JIT's arenas and short-lived
   * threads freed for its next malloc, where RSS counts it; this gives it back. Empty where the
   * JVM has no such command (before 17.0.9).
   */
  static Optional<String> trimNativeHeap() {
    return invoke("systemTrimNativeHeap", NO_ARGS);
  }

  /**
   * The Java heap's reserved address range, {start, end}, from {@code GC.heap_info} ("... [0x..,
   * 0x..)"); empty if the collector's report names none.
   */
  static Optional<long[]> heapRange() {
    return invoke("gcHeapInfo", NO_ARGS).flatMap(text -> {
      Matcher m = HEAP_RANGE.matcher(text);
      return m.find() ? Optional.of(new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16)})
          : Optional.empty();
    });
  }

  /** Whether the JVM runs with {@code -XX:NativeMemoryTracking=summary} (or detail). */
  static boolean tracksNativeMemory() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(a -> a.startsWith("-XX:NativeMemoryTracking=") && !a.endsWith("=off"));
  }

  /** {@code VM.native_memory baseline}. */
  static void nativeMemoryBaseline() {
    invoke("vmNativeMemory", new String[] {"baseline"});
  }

  /** {@code VM.native_memory summary.diff}: each category's committed memory beside the baseline's. */
  static String nativeMemoryDiff() {
    return invoke("vmNativeMemory", new String[] {"summary.diff", "scale=KB"}).orElse("");
  }

  private static Optional<String> invoke(String operation, String[] args) {
    try {
      MBeanServer server = ManagementFactory.getPlatformMBeanServer();
      ObjectName commands = new ObjectName("com.sun.management:type=DiagnosticCommand");
      Object out = server.invoke(commands, operation, new Object[] {args}, new String[] {String[].class.getName()});
      return Optional.of(String.valueOf(out));
    } catch (JMException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
