package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What poc-oci keeps of one container in {@code ROOT/ID/container.json}, written once by {@code
 * create}: enough for every later verb, run by other processes, to find the init and tell it from a
 * process that reuses its pid.
 *
 * @param id the container's id (also its poc name)
 * @param bundle the bundle directory, absolute
 * @param pid the init's host pid
 * @param pidStart the init's start time (clock ticks after boot, /proc/PID/stat field 22)
 * @param created when create finished, RFC 3339
 * @param annotations config.json's annotations
 */
record Record(String id, String bundle, int pid, long pidStart, String created, JsonNode annotations) {

  /** Whether the recorded init still runs: the same pid with the same start time (a zombie has ended). */
  boolean initAlive() {
    return pidStart >= 0 && dev.poc.state.RunState.startTime(pid) == pidStart;
  }
}
