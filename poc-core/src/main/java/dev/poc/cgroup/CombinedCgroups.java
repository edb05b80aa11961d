package dev.poc.cgroup;

import dev.poc.ContainerStats;
import dev.poc.Resources;
import dev.poc.spi.HelperPlan;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Several drivers acting as one, for a hybrid host: the container's group exists in each, every
 * driver limits the controllers that live in its hierarchy. The unified driver comes first, so
 * its {@code cgroup.kill} empties the group before the v1 directories are removed, and the v1
 * figures (where the controllers actually are) override its bare ones.
 */
final class CombinedCgroups implements Cgroups {
  private final List<Cgroups> drivers;

  CombinedCgroups(List<Cgroups> drivers) {
    this.drivers = List.copyOf(drivers);
  }

  List<Cgroups> drivers() {
    return drivers;
  }

  @Override
  public List<Cgroups> parts() {
    return drivers;
  }

  @Override
  public Cgroups under(String parent) {
    return new CombinedCgroups(drivers.stream().map(d -> d.under(parent)).toList());
  }

  @Override
  public String parent() {
    return drivers.isEmpty() ? PARENT : drivers.get(0).parent();
  }

  @Override
  public String describe() {
    return drivers.isEmpty() ? "no cgroup hierarchy"
        : drivers.stream().map(Cgroups::describe).collect(Collectors.joining(" + "));
  }

  @Override
  public Set<String> controllers() {
    Set<String> all = new TreeSet<>();
    drivers.forEach(d -> all.addAll(d.controllers()));
    return all;
  }

  @Override
  public List<Path> dirs(String name) {
    List<Path> dirs = new ArrayList<>();
    drivers.forEach(d -> dirs.addAll(d.dirs(name)));
    return dirs;
  }

  @Override
  public List<Path> placesOf(String name) {
    List<Path> dirs = new ArrayList<>();
    drivers.forEach(d -> dirs.addAll(d.placesOf(name)));
    return dirs;
  }

  @Override
  public boolean offersV1(String controller) {
    return drivers.stream().anyMatch(d -> d.offersV1(controller));
  }

  @Override
  public boolean offersCpuset() {
    return drivers.stream().anyMatch(Cgroups::offersCpuset);
  }

  @Override
  public void create(String name) throws IOException {
    List<Cgroups> made = new ArrayList<>();
    try {
      for (Cgroups d : drivers) {
        d.create(name);
        made.add(d);
      }
    } catch (IOException | RuntimeException e) {
      for (Cgroups d : made) { // a failed create leaves nothing, not even a parent it made
        d.remove(name);
        d.removeParentIfEmpty();
      }
      throw e;
    }
  }

  @Override
  public void limit(String name, Resources limits, GroupTuning tuning) throws IOException {
    for (Cgroups d : drivers) {
      d.limit(name, limits, tuning);
    }
  }

  @Override
  public void planEntry(String name, HelperPlan plan) {
    drivers.forEach(d -> d.planEntry(name, plan));
  }

  @Override
  public boolean madeLater() {
    return drivers.stream().allMatch(Cgroups::madeLater);
  }

  @Override
  public void planLateEntry(String name, HelperPlan plan) {
    drivers.forEach(d -> d.planLateEntry(name, plan));
  }

  @Override
  public void place(String name, int pid) throws IOException {
    for (Cgroups d : drivers) {
      d.place(name, pid);
    }
  }

  @Override
  public void readStats(String name, ContainerStats.Builder into) throws IOException {
    for (Cgroups d : drivers) {
      d.readStats(name, into);
    }
  }

  @Override
  public boolean remove(String name) {
    boolean gone = true;
    for (Cgroups d : drivers) {
      gone &= d.remove(name);
    }
    return gone;
  }

  @Override
  public List<GroupDirs> removalOrder(String name) {
    List<GroupDirs> order = new ArrayList<>();
    drivers.forEach(d -> order.addAll(d.removalOrder(name)));
    return order;
  }

  @Override
  public void removeParentIfEmpty() {
    drivers.forEach(Cgroups::removeParentIfEmpty);
  }

  @Override
  public Set<String> groups() throws IOException {
    Set<String> names = new LinkedHashSet<>();
    for (Cgroups d : drivers) {
      names.addAll(d.groups());
    }
    return names;
  }
}
