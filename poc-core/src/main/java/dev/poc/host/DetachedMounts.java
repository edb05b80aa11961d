package dev.poc.host;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A file system mounted nowhere yet, through the mount API of Linux 5.2 (fsopen, fsconfig,
 * fsmount; glibc 2.36 wraps them): the superblock is made (for overlayfs, with all its checks of
 * the work directory) when this JVM chooses, and a container's init later only moves the mount
 * into place, which costs it microseconds. The returned descriptor is the mount; closing it,
 * while the mount is still detached, unmounts it.
 */
public final class DetachedMounts {
  private static final int FSOPEN_CLOEXEC = 1;
  private static final int FSCONFIG_SET_FLAG = 0;
  private static final int FSCONFIG_SET_STRING = 1;
  private static final int FSCONFIG_CMD_CREATE = 6;
  private static final int FSMOUNT_CLOEXEC = 1;

  private DetachedMounts() {}

  /**
   * Mounts {@code type} with {@code strings} (key, value, in order; each value under 256 bytes,
   * fsconfig's limit) and {@code flags} set, detached, with the
   * mount attributes {@code attributes} ({@code MOUNT_ATTR_*}); returns the mount's descriptor.
   * An IOException when this kernel or libc lacks the mount API, or the file system refuses.
   */
  public static int mount(String type, List<Map.Entry<String, String>> strings, Iterable<String> flags, int attributes) throws IOException {
    LibC.Functions libc = LibC.get();
    int fs;
    try {
      fs = libc.fsopen(type, FSOPEN_CLOEXEC);
    } catch (LinkageError e) {
      throw new IOException("this libc has no fsopen (glibc 2.36 or later has): " + e.getMessage(), e);
    }
    if (fs < 0) {
      throw failed("fsopen " + type, Errno.last());
    }
    try {
      for (Map.Entry<String, String> e : strings) {
        if (libc.fsconfig(fs, FSCONFIG_SET_STRING, e.getKey(), e.getValue(), 0) < 0) {
          throw failed("fsconfig " + e.getKey() + "=" + e.getValue(), Errno.last());
        }
      }
      for (String f : flags) {
        if (libc.fsconfig(fs, FSCONFIG_SET_FLAG, f, null, 0) < 0) {
          throw failed("fsconfig " + f, Errno.last());
        }
      }
      if (libc.fsconfig(fs, FSCONFIG_CMD_CREATE, null, null, 0) < 0) {
        throw failed("creating the " + type + " file system", Errno.last());
      }
      int mnt = libc.fsmount(fs, FSMOUNT_CLOEXEC, attributes);
      if (mnt < 0) {
        throw failed("fsmount " + type, Errno.last());
      }
      return mnt;
    } finally {
      libc.close(fs);
    }
  }

  private static IOException failed(String what, int errno) {
    return new IOException(what + " failed: " + LibC.get().strerror(errno) + " (errno " + errno + ")");
  }
}
