package dev.poc.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The runtime spec's features document ({@code poc-oci features}): what this version accepts. */
final class Features {
  static final String OCI_VERSION = "1.2.0";

  private Features() {}

  static ObjectNode document() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode f = json.createObjectNode();
    f.put("ociVersionMin", "1.0.0");
    f.put("ociVersionMax", OCI_VERSION);
    ArrayNode hooks = f.putArray("hooks");
    for (String h : new String[] {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"}) {
      hooks.add(h);
    }
    ArrayNode options = f.putArray("mountOptions");
    for (String o : new String[] {"bind", "rbind", "ro", "rw", "private", "rprivate", "shared", "rshared", "slave",
        "rslave", "unbindable", "runbindable", "nosuid", "nodev", "noexec"}) {
      options.add(o);
    }
    ObjectNode linux = f.putObject("linux");
    ArrayNode ns = linux.putArray("namespaces");
    for (String n : new String[] {"pid", "network", "ipc", "uts", "mount", "user"}) {
      ns.add(n);
    }
    linux.putObject("mountExtensions").putObject("idmap").put("enabled", false); // mounts' own uidMappings: refused
    linux.putArray("capabilities"); // every one poc knows: see Capability
    for (dev.poc.Capability c : dev.poc.Capability.values()) {
      ((ArrayNode) linux.get("capabilities")).add("CAP_" + c.name());
    }
    linux.putObject("cgroup").put("v1", true).put("v2", true).put("systemd", false).put("systemdUser", false);
    linux.putObject("seccomp").put("enabled", true);
    linux.putObject("apparmor").put("enabled", false);
    linux.putObject("selinux").put("enabled", false);
    f.putObject("annotations").put("dev.poc.oci.version", Version.TEXT);
    return f;
  }
}
