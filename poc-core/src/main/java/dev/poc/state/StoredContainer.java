package dev.poc.state;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the state store keeps of a built container ({@code containers/NAME/container.json}): its
 * disk's size, the base image, and whether the build finished.
 */
public record StoredContainer(String name, String image, String diskSize, long diskBytes, Instant created, State state) {

  public enum State {
    /** The disk is being made; the builder holds the disk's in-use lock. */
    BUILDING,
    /** Built; ready to run. */
    READY
  }

  public StoredContainer withState(State s) {
    return new StoredContainer(name, image, diskSize, diskBytes, created, s);
  }

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("image", image);
    m.put("diskSize", diskSize);
    m.put("diskBytes", diskBytes);
    m.put("created", created.toString());
    m.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
    return m;
  }

  public static StoredContainer fromMap(Map<String, Object> m) {
    return new StoredContainer(
        (String) m.get("name"),
        (String) m.get("image"),
        (String) m.get("diskSize"),
        ((Number) m.get("diskBytes")).longValue(),
        Instant.parse((String) m.get("created")),
        State.valueOf(((String) m.get("state")).toUpperCase(java.util.Locale.ROOT)));
  }
}
