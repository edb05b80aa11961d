package dev.poc.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.poc.Container;
import dev.poc.ContainerRuntime;
import dev.poc.Progress;
import dev.poc.Rootfs;
import dev.poc.Stdio;
import dev.poc.image.Digest;
import dev.poc.image.Platform;
import dev.poc.image.RegistryImages;
import dev.poc.image.RegistrySettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Scenario 7: images by name. A three-layer image (the busybox tree, then two small layers)
 * written as an OCI layout: storing it (verify, unpack each layer) against umoci unpacking the
 * same layout, and the start-to-exit of /bin/true on the stored image (an overlay of its layers
 * and a private upper) against the same tree as {@code Rootfs.directory}. The store row needs no registry: the store's
 * path from verified blob to layer directory is the one a pull takes. Then the pull itself: from a
 * docker-registry on 127.0.0.1 that the bench starts, poc's pull and first start against skopeo
 * copy + umoci unpack of the same image.
 */
final class ImageScenario implements Scenario {
  static final String DIRECTORY = "poc, Rootfs.directory (busybox tree)";
  static final String IMAGE = "poc, Rootfs.image (3 layers, stored)";
  static final String IMAGE_TMPFS = "poc, Rootfs.image (3 layers, stored), upper on tmpfs";
  static final String POC_IMPORT = "poc: store the layout (verify, unpack 3 layers)";
  static final String UMOCI = "umoci unpack of the same layout";
  static final String POC_PULL = "poc: pull (3 layers) and first start-to-exit";
  static final String SKOPEO_UMOCI = "skopeo copy to an OCI layout + umoci unpack";
  static final String DIRECTORY_PROFILED = DIRECTORY + ", profiled";
  static final String IMAGE_PROFILED = IMAGE + ", profiled";
  static final String IMAGE_TMPFS_PROFILED = IMAGE_TMPFS + ", profiled";
  private static final String NAME = "localhost/bench/busybox:layers";
  private static final String PULLED = "localhost/bench/pulled:layers";

  @Override
  public int number() {
    return 7;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("7. Images: storing a layered image, and starting on it");
    Path layout = layout(env.rootfs, env.workDir.resolve("image-layout"));
    RegistrySettings offline = RegistrySettings.builder().mirrorsOnly(true).build(); // nothing is pulled here
    int n = Math.max(3, harness.iterations() / 20);
    List<Variant> stores = new ArrayList<>();
    int[] round = {0};
    stores.add(new Variant(POC_IMPORT, () -> {
      Path state = env.workDir.resolve("image-store-" + round[0]++);
      long t0 = System.nanoTime();
      new RegistryImages(state, offline).importArchive(layout, NAME, Progress.none());
      long t = System.nanoTime() - t0;
      HostCommand.output(List.of("rm", "-rf", state.toString()));
      return t;
    }));
    boolean umoci = new ProcessBuilder("sh", "-c", "command -v umoci").start().waitFor() == 0;
    if (umoci) {
      stores.add(new Variant(UMOCI, () -> {
        Path bundle = env.workDir.resolve("umoci-bundle-" + round[0]++);
        long t0 = System.nanoTime();
        HostCommand.output(List.of("umoci", "unpack", "--image", layout + ":layers", bundle.toString()));
        long t = System.nanoTime() - t0;
        HostCommand.output(List.of("rm", "-rf", bundle.toString()));
        return t;
      }));
    } else {
      section.note("umoci is not installed (apt-get install -y umoci): its row is missing.");
    }
    Map<String, long[]> stored = harness.withCounts(1, n).run(stores);
    Map<String, long[]> pulled = null;
    if (!BenchRegistry.installed() || !HostCommand.exists("skopeo") || !umoci) {
      section.note("docker-registry, skopeo or umoci is not installed (apt-get install -y docker-registry skopeo umoci): the pull rows are missing.");
    } else {
      pulled = pulls(env, harness, layout, n);
    }

    env.poc.registryImages().importArchive(layout, NAME, Progress.none());
    ProfiledStarts directoryProfiled = new ProfiledStarts(env.pocTrials, b -> b);
    ProfiledStarts imageProfiled = new ProfiledStarts(env.pocTrials, b -> b.rootfs(Rootfs.image(NAME)));
    ProfiledStarts tmpfsProfiled = new ProfiledStarts(env.pocTrials, b -> b.rootfs(Rootfs.image(NAME).upperOnTmpfs("64M")));
    List<Variant> starts = List.of(
        new Variant(DIRECTORY, env.pocTrials.startToExit(b -> b)),
        new Variant(IMAGE, env.pocTrials.startToExit(b -> b.rootfs(Rootfs.image(NAME)))),
        new Variant(IMAGE_TMPFS, env.pocTrials.startToExit(b -> b.rootfs(Rootfs.image(NAME).upperOnTmpfs("64M")))),
        new Variant(DIRECTORY_PROFILED, directoryProfiled.trial()),
        new Variant(IMAGE_PROFILED, imageProfiled.trial()),
        new Variant(IMAGE_TMPFS_PROFILED, tmpfsProfiled.trial()));
    Map<String, long[]> started = harness.run(starts);

    section.paragraph("The image: the busybox tree (one gzip layer) and two small layers above it, as an OCI layout on local disk. First table: storing it into an empty store, "
        + n + " times each, against umoci unpacking the same layout into a bundle. Second table: start-to-exit of /bin/true, "
        + "interleaved, " + harness.iterations() + " times each.");
    section.table(TimingTable.of(stored, new TimingTable.Baseline("poc", POC_IMPORT)));
    if (pulled != null) {
      section.paragraph("Pull from a docker-registry on 127.0.0.1 (the same image, pushed by skopeo), " + n
          + " times each into an empty store: poc's pull (manifest, config, 3 layers verified and unpacked) and the first start-to-exit of /bin/true "
          + "on it, against skopeo copying the image into an OCI layout and umoci unpacking it into a bundle (which starts nothing).");
      section.table(TimingTable.of(pulled, new TimingTable.Baseline("poc", POC_PULL)));
    }
    section.table(TimingTable.of(started, new TimingTable.Baseline("directory", DIRECTORY)));
    section.paragraph("Where an image start's extra time goes: the profiled variants above, the median of each interval between two "
        + "steps of a start (as in scenario 12) on the directory and on the image, and their difference. The init builds its root "
        + "while the JVM attaches the host side, so rows overlap; the last row is the whole start-to-exit.");
    section.table(difference(directoryProfiled.measured(harness.iterations()), imageProfiled.measured(harness.iterations()),
        tmpfsProfiled.measured(harness.iterations())));
    double extraMillis = (TimingTable.median(started, IMAGE) - TimingTable.median(started, DIRECTORY)) / 1e6;
    section.target(Target.atMost("Rootfs.image median − Rootfs.directory median", extraMillis, 1.0, "ms"));
    if (umoci) {
      section.target(Target.atMost("poc store median ÷ umoci unpack median",
          TimingTable.median(stored, POC_IMPORT) / TimingTable.median(stored, UMOCI), 1.0, ""));
    }
    if (pulled != null) {
      section.target(Target.atMost("poc pull + first start median ÷ skopeo copy + umoci unpack median",
          TimingTable.median(pulled, POC_PULL) / TimingTable.median(pulled, SKOPEO_UMOCI), 1.0, ""));
    }
    return section;
  }

  /**
   * Pull and first start against skopeo + umoci, from a registry on 127.0.0.1 the bench starts
   * (mirrors only: the name resolves to it and nothing else is asked). Each poc round removes the
   * image afterwards, so the next one pulls into an empty store again.
   */
  private static Map<String, long[]> pulls(BenchEnv env, Harness harness, Path layout, int n) throws Exception {
    try (BenchRegistry registry = BenchRegistry.start(env.workDir.resolve("registry"))) {
      registry.push(layout, "layers", "bench/pulled");
      RegistrySettings viaRegistry = RegistrySettings.builder().putMirrors("localhost", List.of(registry.uri())).mirrorsOnly(true)
          .authFile(env.workDir.resolve("no-registry-credentials.json")).build();
      try (ContainerRuntime rt = ContainerRuntime.builder().stateRoot(env.workDir.resolve("pull-state")).registries(viaRegistry)
          .network(HostNetwork.privateSettings(env.names)).build()) {
        int[] round = {0};
        List<Variant> variants = List.of(
            new Variant(POC_PULL, () -> {
              long t0 = System.nanoTime();
              rt.registryImages().pull(PULLED, Progress.none());
              Container c = rt.container().name(env.names.next()).rootfs(Rootfs.image(PULLED))
                  .stdin(Stdio.DISCARD).stdout(Stdio.DISCARD).stderr(Stdio.PIPE).start();
              int code = c.waitFor();
              long t = System.nanoTime() - t0;
              PocTrials.checkExit(c, code);
              rt.registryImages().remove(PULLED);
              return t;
            }),
            new Variant(SKOPEO_UMOCI, () -> {
              Path oci = env.workDir.resolve("skopeo-layout-" + round[0]);
              Path bundle = env.workDir.resolve("skopeo-bundle-" + round[0]++);
              long t0 = System.nanoTime();
              HostCommand.outputLocal(List.of("skopeo", "--insecure-policy", "copy", "--quiet", "--src-tls-verify=false",
                  "docker://" + registry.hostPort() + "/bench/pulled:layers", "oci:" + oci + ":layers"));
              HostCommand.output(List.of("umoci", "unpack", "--image", oci + ":layers", bundle.toString()));
              long t = System.nanoTime() - t0;
              HostCommand.output(List.of("rm", "-rf", oci.toString(), bundle.toString()));
              return t;
            }));
        return harness.withCounts(1, n).run(variants);
      }
    }
  }

  /** The intervals of a start that an image's root adds to or changes, then scenario 12's. */
  static final List<FloorProfileScenario.Interval> INTERVALS = java.util.stream.Stream.concat(java.util.stream.Stream.of(
      new FloorProfileScenario.Interval("JVM: the image resolved (stored record, configuration)", "start() called", "image resolved"),
      new FloorProfileScenario.Interval("JVM: the image's layers held (store lock, pin)", "host setups prepared", "image layers held"),
      new FloorProfileScenario.Interval("JVM: upper, work and mount point made", "image layers held", "image directories made")),
      FloorProfileScenario.INTERVALS.stream()).toList();

  private static MarkdownTable difference(List<Map<String, Long>> directory, List<Map<String, Long>> image,
      List<Map<String, Long>> tmpfs) {
    MarkdownTable t = new MarkdownTable("interval", "from → to", ">directory", ">image", ">image − directory", ">image, upper on tmpfs",
        ">tmpfs − directory");
    for (FloorProfileScenario.Interval i : INTERVALS) {
      long[] d = ProfiledStarts.durations(directory, i.from(), i.to());
      long[] m = ProfiledStarts.durations(image, i.from(), i.to());
      long[] u = ProfiledStarts.durations(tmpfs, i.from(), i.to());
      if (m.length == 0 || u.length == 0) {
        continue;
      }
      double dm = d.length == 0 ? 0 : Summary.of(d).median();
      double mm = Summary.of(m).median();
      double um = Summary.of(u).median();
      t.row(i.what(), i.from() + " → " + i.to(), d.length == 0 ? "—" : millis(dm), millis(mm), signed(mm - dm), millis(um), signed(um - dm));
    }
    return t;
  }

  private static String signed(double nanos) {
    return String.format(java.util.Locale.ROOT, "%+.3f ms", nanos / 1e6);
  }

  private static String millis(double nanos) {
    return String.format(java.util.Locale.ROOT, "%.3f ms", nanos / 1e6);
  }

  /** An OCI layout of {@code tree} plus two small layers, tag "layers". */
  static Path layout(Path tree, Path dir) throws IOException, InterruptedException {
    ObjectMapper json = new ObjectMapper();
    Files.createDirectories(dir.resolve("blobs/sha256"));
    Path top1 = Files.createDirectories(dir.resolve("src/l2/etc"));
    Files.writeString(top1.resolve("motd"), "layer two\n");
    Path top2 = Files.createDirectories(dir.resolve("src/l3/opt"));
    Files.writeString(top2.resolve("app.conf"), "layer three\n");
    List<Path> trees = List.of(tree, top1.getParent(), top2.getParent());
    ObjectNode manifest = json.createObjectNode().put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ArrayNode layers = json.createArrayNode();
    ArrayNode diffIds = json.createArrayNode();
    for (Path t : trees) {
      Process p = new ProcessBuilder("tar", "--numeric-owner", "-C", t.toString(), "-cf", "-", ".").start();
      byte[] plain = p.getInputStream().readAllBytes();
      if (p.waitFor() != 0) {
        throw new IOException("tar of " + t + " failed");
      }
      ByteArrayOutputStream gz = new ByteArrayOutputStream();
      try (GZIPOutputStream o = new GZIPOutputStream(gz)) {
        o.write(plain);
      }
      Digest d = blob(dir, gz.toByteArray());
      layers.addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip").put("digest", d.toString())
          .put("size", gz.size());
      diffIds.add(Digest.of(plain).toString());
    }
    ObjectNode config = json.createObjectNode().put("architecture", Platform.host().architecture()).put("os", "linux");
    config.putObject("config").putArray("Cmd").add("/bin/true");
    config.putObject("rootfs").put("type", "layers").set("diff_ids", diffIds);
    byte[] configBytes = json.writeValueAsBytes(config);
    manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", blob(dir, configBytes).toString()).put("size", configBytes.length);
    manifest.set("layers", layers);
    byte[] m = json.writeValueAsBytes(manifest);
    ObjectNode index = json.createObjectNode().put("schemaVersion", 2);
    ObjectNode ref = index.putArray("manifests").addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
        .put("digest", blob(dir, m).toString()).put("size", m.length);
    ref.putObject("annotations").put("org.opencontainers.image.ref.name", "layers");
    Files.write(dir.resolve("index.json"), json.writeValueAsBytes(index));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    return dir;
  }

  private static Digest blob(Path dir, byte[] bytes) throws IOException {
    Digest d = Digest.of(bytes);
    Files.write(dir.resolve("blobs/sha256").resolve(d.hex()), bytes);
    return d;
  }
}
