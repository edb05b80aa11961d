package dev.poc.internal;

import dev.poc.Container;
import dev.poc.ContainerProcess;
import dev.poc.ContainerRuntime;
import dev.poc.ContainerSpec;
import dev.poc.Images;
import dev.poc.launch.InitConnection;
import dev.poc.launch.PidHandle;
import dev.poc.launch.SpareHelpers;
import dev.poc.spi.Attachment;
import dev.poc.spi.HostSetup;
import dev.poc.spi.StartContext;
import dev.poc.state.NameLock;
import dev.poc.storage.ImageStore;
import dev.poc.storage.Storage;
import java.nio.file.Path;
import java.util.List;

/**
 * What the runtime's own packages need of the API classes and users must not see: the
 * constructors of {@link Container}, {@link ContainerProcess} and {@link Images}, and a
 * {@link ContainerRuntime}'s storage, helpers, strategies and run directories. The API package
 * hands its implementation over once, when {@link ContainerRuntime} is initialised; this package
 * is not exported, so code outside the module cannot call it.
 */
public final class Access {
  private static volatile Api api;

  private Access() {}

  /** The API's side, implemented in {@code dev.poc}. */
  public interface Api {
    Storage storage(ContainerRuntime runtime);

    SpareHelpers spareHelpers(ContainerRuntime runtime);

    /** Every strategy of the runtime, in the order they prepare. */
    List<HostSetup> setups(ContainerRuntime runtime);

    /** The strategies that prepare a start of {@code spec}: namespaces, cgroups, its network. */
    List<HostSetup> setupsFor(ContainerRuntime runtime, ContainerSpec spec);

    Path runDir(ContainerRuntime runtime, String name);

    /** Reclaims every run of the state root whose JVM and helper are gone. */
    void reclaim(ContainerRuntime runtime);

    /** With the name lock held: undoes a dead run of {@code name}; leaves a live detached one alone. */
    void reclaimIfDead(ContainerRuntime runtime, String name, Path runDir);

    Container newContainer(ContainerSpec spec, ContainerRuntime runtime, StartContext ctx, Process helper,
        InitConnection conn, PidHandle init, NameLock lock, List<Attachment> attachments);

    /**
     * Starts {@code spec} in the foreground as {@link ContainerRuntime#start} does, with poc-init
     * started by {@code spawner} in another process (a native front's: its stdio, its child).
     */
    Container start(ContainerRuntime runtime, ContainerSpec spec, dev.poc.launch.InitSpawner spawner);

    StartContext context(Container container);

    /** {@code ended}: told of the helper once the command has ended (the runtime's close waits for it to exit). */
    ContainerProcess newProcess(String container, Process helper, InitConnection conn, PidHandle command,
        java.util.function.Consumer<Process> ended);

    Images newImages(ImageStore store);
  }

  /** Called once by {@code dev.poc}. */
  public static void set(Api impl) {
    if (api != null) {
      throw new IllegalStateException("the API's internals are set already");
    }
    api = impl;
  }

  /** The API's internals (initialising {@link ContainerRuntime}, which sets them, when needed). */
  public static Api api() {
    Api a = api;
    if (a == null) {
      try {
        Class.forName(ContainerRuntime.class.getName(), true, Access.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      a = api;
    }
    return a;
  }
}
