package dev.poc;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A host-wide lock on a container name, held while the container is running in this JVM. Names
 * are host-wide because cgroups, interfaces and network namespaces are: two state roots must not
 * run the same name. The kernel drops the lock when the JVM dies, which is how a crash is detected.
 */
final class NameLock implements AutoCloseable {
  static final Path DIR = Path.of("/run/poc/names");
  private final FileChannel channel;
  private final FileLock lock;

  private NameLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock, or empty when another holder (this JVM or another) has it. */
  static java.util.Optional<NameLock> tryAcquire(String name) throws IOException {
    Files.createDirectories(DIR);
    FileChannel ch = FileChannel.open(DIR.resolve(name + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      FileLock l = ch.tryLock();
      if (l == null) {
        ch.close();
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(new NameLock(ch, l));
    } catch (OverlappingFileLockException e) {
      ch.close();
      return java.util.Optional.empty();
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // the channel is closed either way; the kernel drops the lock with it
    }
  }
}
