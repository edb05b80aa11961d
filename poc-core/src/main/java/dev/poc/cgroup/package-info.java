/**
 * Cgroups v1, v2 and both at once: layout, limits, stats, the device filter, killing and removing
 * a group. Internal.
 */
package dev.poc.cgroup;
