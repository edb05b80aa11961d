package dev.poc;

/** The overlay of the shared base image and a container's own disk. Filled in by the storage layer. */
final class DiskRootfs extends Rootfs {
  private final String name;

  DiskRootfs(String name) {
    this.name = name;
  }

  String name() {
    return name;
  }

  @Override
  Attachment prepare(StartContext ctx) {
    throw new NotFoundException("disk '" + name + "' does not exist: run `poc build " + name + " disk-size 20G` first");
  }

  @Override
  public String toString() {
    return "disk " + name;
  }
}
