package dev.poc.cli;

import dev.poc.PocException;

/** What the CLI asks of the storage layer (images, disks). */
final class Storage {
  private Storage() {}

  static PocException notYet(String what) {
    return new PocException(what + " needs the storage layer, which this build of poc does not have yet: "
        + "run on the host's programs instead, e.g. poc run --host-rootfs net-disabled test0 bash");
  }

  /** run --rm: the container's disk goes with it (host and directory roots leave nothing). */
  static void removeAfterRun(Poc poc, String name) {
    // no disks in this build
  }
}
