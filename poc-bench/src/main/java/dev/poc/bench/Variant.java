package dev.poc.bench;

/** A named way of doing the thing a scenario measures, e.g. "runc run" or "poc start-to-exit". */
record Variant(String name, Trial trial) {}
