/**
 * What poc remembers on disk: the state root, stored containers, run records of started
 * containers, name locks. Internal.
 */
package dev.poc.state;
