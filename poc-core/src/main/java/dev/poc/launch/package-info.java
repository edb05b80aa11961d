/**
 * Starting the C helper (poc-init): its binary, the plan it is sent, the connection to it, spare
 * helpers kept warm, and the pidfd handles of inits and exec'd commands. Internal.
 */
package dev.poc.launch;
