package dev.poc;

import dev.poc.internal.Access;
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

/** The package-private parts of the API classes, for the runtime's own packages (see {@link Access}). */
final class ApiInternals implements Access.Api {

  @Override
  public Storage storage(ContainerRuntime runtime) {
    return runtime.storage();
  }

  @Override
  public SpareHelpers spareHelpers(ContainerRuntime runtime) {
    return runtime.spareHelpers();
  }

  @Override
  public List<HostSetup> setups(ContainerRuntime runtime) {
    return runtime.setups();
  }

  @Override
  public List<HostSetup> setupsFor(ContainerRuntime runtime, ContainerSpec spec) {
    return runtime.setupsFor(spec);
  }

  @Override
  public Path runDir(ContainerRuntime runtime, String name) {
    return runtime.runDir(name);
  }

  @Override
  public void reclaim(ContainerRuntime runtime) {
    runtime.reclaim();
  }

  @Override
  public void reclaimIfDead(ContainerRuntime runtime, String name, Path runDir) {
    runtime.reclaimIfDead(name, runDir);
  }

  @Override
  public Container newContainer(ContainerSpec spec, ContainerRuntime runtime, StartContext ctx, Process helper,
      InitConnection conn, PidHandle init, NameLock lock, List<Attachment> attachments) {
    return new Container(spec, runtime, ctx, helper, conn, init, lock, attachments);
  }

  @Override
  public Container start(ContainerRuntime runtime, ContainerSpec spec, dev.poc.launch.InitSpawner spawner) {
    return runtime.start(spec, spawner);
  }

  @Override
  public StartContext context(Container container) {
    return container.context();
  }

  @Override
  public ContainerProcess newProcess(String container, Process helper, InitConnection conn, PidHandle command,
      java.util.function.Consumer<Process> ended) {
    return new ContainerProcess(container, helper, conn, command, ended);
  }

  @Override
  public Images newImages(ImageStore store) {
    return new Images(store);
  }
}
