package dev.poc;

/** The Linux namespaces a container can get. Each is new by default; any but MOUNT can be shared with the host. */
public enum Namespace {
  PID(0x20000000),
  IPC(0x08000000),
  MOUNT(0x00020000),
  UTS(0x04000000),
  NET(0x40000000);

  private final int cloneFlag;

  Namespace(int cloneFlag) {
    this.cloneFlag = cloneFlag;
  }

  public int cloneFlag() {
    return cloneFlag;
  }

  /** The name of this namespace under {@code /proc/PID/ns}. */
  public String procName() {
    return switch (this) {
      case PID -> "pid";
      case IPC -> "ipc";
      case MOUNT -> "mnt";
      case UTS -> "uts";
      case NET -> "net";
    };
  }
}
