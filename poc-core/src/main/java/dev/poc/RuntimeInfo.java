package dev.poc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * What this host offers poc, as {@code docker info} or {@code podman info} say it: the kernel,
 * the cgroup layout, the state root, and a {@link Check} for every host facility and every
 * rootfs, network and cgroup strategy, each "no" with its reason and fix. Get it from
 * {@link ContainerRuntime#info()} or {@link ContainerRuntime#info(Path, NetworkSettings)}; the CLI prints it with
 * {@code poc info}.
 */
@Value.Immutable
public abstract class RuntimeInfo {
  /** How the host's cgroup hierarchies are laid out. */
  public enum CgroupMode {
    /** One directory per controller (cgroup v1). */
    V1,
    /** The unified hierarchy alone (cgroup v2). */
    V2,
    /** v1 controllers beside a cgroup2 mount that carries none (or some) of them. */
    HYBRID,
    /** No cgroup hierarchy is mounted. */
    NONE
  }

  /** The kernel's release, e.g. {@code 6.1.0-18-amd64}. */
  public abstract String kernel();

  /** The machine, e.g. {@code x86_64}. */
  public abstract String architecture();

  /** The cgroup layout. */
  public abstract CgroupMode cgroupMode();

  /** The state root the checks looked at. */
  public abstract Path stateRoot();

  /** Bytes free for an unprivileged writer on the state root's filesystem (of its nearest existing parent). */
  public abstract long stateRootFreeBytes();

  /** Privileges, namespaces, user namespaces, overlayfs in a user namespace, loop devices, iptables, the state root. */
  public abstract List<Check> host();

  /** The cgroup driver and each controller poc limits with. */
  public abstract List<Check> cgroups();

  /** Each way to get a root filesystem: {@code rootfs host|directory|disk}, {@code image docker|debootstrap|tarball}. */
  public abstract List<Check> rootfs();

  /** Each network mode: {@code network net-disabled|net-default|net-bridge}. */
  public abstract List<Check> networks();

  /** Every check, in the order above. */
  public List<Check> checks() {
    List<Check> all = new ArrayList<>(host());
    all.addAll(cgroups());
    all.addAll(rootfs());
    all.addAll(networks());
    return all;
  }

  /** The checks that said no. */
  public List<Check> problems() {
    return checks().stream().filter(c -> !c.ok()).toList();
  }

  /** The check of that name, e.g. {@code network net-bridge}. */
  public Optional<Check> check(String name) {
    return checks().stream().filter(c -> c.name().equals(name)).findFirst();
  }
}
