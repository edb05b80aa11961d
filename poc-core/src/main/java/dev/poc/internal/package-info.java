/**
 * Small helpers shared by several packages (container names, size strings). Internal.
 */
package dev.poc.internal;
