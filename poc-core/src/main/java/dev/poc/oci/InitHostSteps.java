package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.StartFailedException;
import dev.poc.spi.Attachment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import jnr.ffi.LibraryLoader;

/**
 * What the runtime spec has the runtime do to the new init from the host side before it is let go
 * (that is, before GO): its rlimits (prlimit, inherited by the command it forks), its
 * oom_score_adj, and the prestart and createRuntime hooks, which run in the runtime's namespaces
 * with the init's pid in the state they read. Attached through the bundle's rootfs strategy,
 * which prepares last, so the cgroups are made when the hooks run.
 */
final class InitHostSteps implements Attachment {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** prlimit, which jnr-posix lacks. */
  public interface Limits {
    int prlimit(int pid, int resource, long[] newLimit, long[] oldLimit);
  }

  /** One rlimit: its resource number (RLIMIT_*), soft and hard values. */
  record Rlimit(String name, int resource, long soft, long hard) {}

  private final String id;
  private final Path bundle;
  private final List<Rlimit> rlimits;
  private final OptionalInt oomScoreAdj;
  private final List<Hook> prestart;
  private final List<Hook> createRuntime;
  private final JsonNode annotations;

  InitHostSteps(String id, Path bundle, List<Rlimit> rlimits, OptionalInt oomScoreAdj, List<Hook> prestart,
      List<Hook> createRuntime, JsonNode annotations) {
    this.id = id;
    this.bundle = bundle;
    this.rlimits = List.copyOf(rlimits);
    this.oomScoreAdj = oomScoreAdj;
    this.prestart = prestart;
    this.createRuntime = createRuntime;
    this.annotations = annotations;
  }

  @Override
  public void onCreated(int initPid) throws IOException {
    if (!rlimits.isEmpty()) {
      Limits libc = LibraryLoader.create(Limits.class).load("c");
      for (Rlimit r : rlimits) {
        if (libc.prlimit(initPid, r.resource(), new long[] {r.soft(), r.hard()}, null) < 0) {
          throw new StartFailedException("setting process.rlimits " + r.name() + " (" + r.soft() + ", " + r.hard()
              + ") on the init failed: is the hard limit above this process's own?");
        }
      }
    }
    if (oomScoreAdj.isPresent()) {
      Files.writeString(Path.of("/proc", Integer.toString(initPid), "oom_score_adj"), Integer.toString(oomScoreAdj.getAsInt()));
    }
    if (!prestart.isEmpty() || !createRuntime.isEmpty()) {
      ObjectNode state = JSON.createObjectNode();
      state.put("ociVersion", Features.OCI_VERSION);
      state.put("id", id);
      state.put("status", "creating");
      state.put("pid", initPid);
      state.put("bundle", bundle.toString());
      state.set("annotations", annotations);
      String text = state.toString();
      for (Hook h : prestart) {
        h.run("prestart", text);
      }
      for (Hook h : createRuntime) {
        h.run("createRuntime", text);
      }
    }
  }

  @Override
  public void close() {
    // nothing of the host's to undo: the init carries its limits
  }
}
