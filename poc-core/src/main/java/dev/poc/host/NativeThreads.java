package dev.poc.host;

/**
 * jnr-ffi starts one thread for the life of the JVM (its reference finalizer) the first time it
 * allocates native memory, in the thread group of whoever asked. Started from a user's thread,
 * it would count as the program's: {@code mvn exec:java}, which waits for every thread of the
 * program's group, would hang on it. So poc makes jnr start it here, in the JVM's root group.
 */
public final class NativeThreads {
  private static volatile boolean started;

  private NativeThreads() {}

  /** Makes jnr start its threads (once per JVM) in the root thread group, not the caller's. */
  public static void startOutsideCallersGroup() {
    if (started) {
      return;
    }
    synchronized (NativeThreads.class) {
      if (started) {
        return;
      }
      ThreadGroup root = Thread.currentThread().getThreadGroup();
      while (root.getParent() != null) {
        root = root.getParent();
      }
      Thread t = new Thread(root, () -> {
        LibC.get();
        jnr.ffi.Runtime.getSystemRuntime().getMemoryManager().allocateTemporary(8, true);
      }, "poc-native-init");
      t.setDaemon(true);
      t.start();
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      started = true;
    }
  }
}
