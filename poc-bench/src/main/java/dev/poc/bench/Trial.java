package dev.poc.bench;

/** One timed run of a variant; it measures what it is about itself and returns the nanoseconds. */
@FunctionalInterface
interface Trial {
  long run() throws Exception;
}
