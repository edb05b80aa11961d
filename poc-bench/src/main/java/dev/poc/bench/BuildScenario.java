package dev.poc.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario 3: {@code build NAME disk-size SIZE} by poc and by the seed's way, for two disk sizes
 * (1G, 20G) and two bases (busybox, busybox + filler, 256 MiB by default), interleaved. The seed's way scales with
 * the base (it unpacks it into every disk) and mkfs with the size; poc's should scale with neither.
 */
final class BuildScenario implements Scenario {
  static final List<String> SIZES = List.of("1G", "20G");
  private final int fillerMiB;

  BuildScenario(int fillerMiB) {
    this.fillerMiB = fillerMiB;
  }

  @Override
  public int number() {
    return 3;
  }

  @Override
  public Section run(BenchEnv env, Harness harness) throws Exception {
    Section section = new Section("3. build NAME disk-size SIZE: poc vs the seed's way");
    Path dir = Files.createDirectories(env.workDir.resolve("build"));
    Map<String, Path> bases = new LinkedHashMap<>();
    bases.put("busybox", BaseImages.busybox(env.rootfs, dir));
    bases.put("busybox + " + fillerMiB + " MiB", BaseImages.large(env.rootfs, dir, fillerMiB));
    Map<String, DiskBuild> ways = new LinkedHashMap<>();
    PocDiskBuild poc = new PocDiskBuild(env);
    ways.put("poc", poc);
    ways.put("seed", new SeedDiskBuild(dir.resolve("seed-disks")));

    List<Variant> variants = new ArrayList<>();
    for (Map.Entry<String, DiskBuild> way : ways.entrySet()) {
      Optional<String> missing = way.getValue().unavailable();
      if (missing.isPresent()) {
        section.note(way.getKey() + " rows not measured: " + missing.get() + ".");
        continue;
      }
      for (Map.Entry<String, Path> base : bases.entrySet()) {
        way.getValue().prepareBase(base.getKey(), base.getValue());
        for (String size : SIZES) {
          variants.add(new Variant(row(way.getKey(), size, base.getKey()), timedBuild(env, way.getValue(), size, base.getKey())));
        }
      }
    }
    Harness few = harness.withCounts(1, Math.min(harness.iterations(), 10));
    Map<String, long[]> samples = few.run(variants);
    String firstBase = bases.keySet().iterator().next();
    String lastBase = "busybox + " + fillerMiB + " MiB";
    String pocRef = row("poc", "20G", firstBase);
    section.paragraph("Each run builds a fresh disk and removes it untimed afterwards. The seed's way: fallocate, mkfs.ext4, "
        + "mount -o loop, unpack the whole base tarball, umount. poc's way: the base imported once (untimed) as a shared "
        + "image, then `build`. " + few.iterations() + " runs per row after one warm-up, interleaved.");
    section.table(TimingTable.of(samples, new TimingTable.Baseline("poc 20G busybox", pocRef)));
    poc.importNanos().forEach((base, nanos) -> section.note("poc imported the " + base + " base once, in "
        + Format.millis(nanos) + " (not in the rows: every later build shares it)."));
    if (samples.containsKey(pocRef)) {
      double small20 = TimingTable.median(samples, pocRef);
      double large20 = TimingTable.median(samples, row("poc", "20G", lastBase));
      section.target(Target.atMost("poc 20G ÷ poc 1G (busybox base)",
          small20 / TimingTable.median(samples, row("poc", "1G", firstBase)), 1.5, ""));
      section.target(Target.atMost("poc with the large base ÷ with busybox (20G)", large20 / small20, 1.5, ""));
      if (samples.containsKey(row("seed", "20G", firstBase))) {
        section.target(Target.atMost("poc ÷ seed (20G, busybox base)",
            small20 / TimingTable.median(samples, row("seed", "20G", firstBase)), 0.1, ""));
        section.target(Target.atMost("poc ÷ seed (20G, large base)",
            large20 / TimingTable.median(samples, row("seed", "20G", lastBase)), 0.1, ""));
      }
    }
    return section;
  }

  private static String row(String way, String size, String base) {
    return way + ": " + size + ", " + base;
  }

  private static Trial timedBuild(BenchEnv env, DiskBuild way, String size, String base) {
    return () -> {
      String name = env.names.next();
      long t0 = System.nanoTime();
      way.build(name, size, base);
      long t = System.nanoTime() - t0;
      way.remove(name);
      return t;
    };
  }
}
