package dev.poc.oci;

import com.fasterxml.jackson.databind.JsonNode;
import dev.poc.Capability;
import dev.poc.InvalidSpecException;
import dev.poc.launch.OciExec;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The process {@code exec} runs, read from the runtime spec's {@code process} object (the file an
 * engine gives with {@code --process}), or made from the command line's flags. Strict as {@link
 * BundleConfig} is: a field is used, told about in the log, or refused by its path.
 *
 * @param args the command
 * @param env the whole environment, NAME=VALUE
 * @param cwd the working directory
 * @param uid the user
 * @param gid the group
 * @param groups additional groups
 * @param capabilities the capability mask (the bounding set), or empty for the container's
 * @param tty whether it gets a terminal
 * @param rows the terminal's height (consoleSize), 0 when not given
 * @param cols the terminal's width, 0 when not given
 * @param rlimits its resource limits
 * @param oomScoreAdj its oom_score_adj, if given
 */
record ExecProcess(List<String> args, List<String> env, String cwd, int uid, int gid, List<Integer> groups,
    java.util.OptionalLong capabilities, boolean tty, int rows, int cols, List<OciExec.Rlimit> rlimits,
    OptionalInt oomScoreAdj) {

  /** {@code p}, the {@code process} object of {@code file}; notes go to {@code log}. */
  static ExecProcess read(JsonNode p, String file, Consumer<String> log) {
    Reader r = new Reader(file);
    r.known(p, "process", "terminal", "consoleSize", "user", "args", "commandLine", "env", "cwd", "capabilities",
        "rlimits", "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "selinuxLabel", "ioPriority", "scheduler",
        "execCPUAffinity");
    List<String> args = new ArrayList<>();
    p.path("args").forEach(a -> args.add(a.asText()));
    if (args.isEmpty()) {
      throw r.refuse("process.args", "is empty: give the command to run");
    }
    List<String> env = new ArrayList<>();
    p.path("env").forEach(e -> env.add(checkEnv(e.asText(), file + ": process.env")));
    String cwd = p.path("cwd").asText("/");
    if (!cwd.startsWith("/")) {
      throw r.refuse("process.cwd", "is '" + cwd + "': give an absolute path");
    }
    JsonNode user = p.path("user");
    r.known(user, "process.user", "uid", "gid", "umask", "additionalGids", "username");
    if (user.has("umask")) {
      throw r.refuse("process.user.umask", "is not supported yet: drop it");
    }
    List<Integer> groups = new ArrayList<>();
    user.path("additionalGids").forEach(g -> groups.add(g.asInt()));
    JsonNode size = p.path("consoleSize");
    r.known(size, "process.consoleSize", "height", "width");
    java.util.OptionalLong caps = java.util.OptionalLong.empty();
    if (p.has("capabilities")) {
      JsonNode c = p.get("capabilities");
      r.known(c, "process.capabilities", "bounding", "effective", "permitted", "inheritable", "ambient");
      Set<Capability> bounding = r.capSet(c, "bounding");
      if (!r.capSet(c, "effective").equals(bounding) || !r.capSet(c, "permitted").equals(bounding)) {
        log.accept(file + ": process.capabilities: effective and permitted differ from bounding; poc gives a root "
            + "command the bounding set as all three");
      }
      caps = java.util.OptionalLong.of(Capability.mask(bounding));
    }
    List<OciExec.Rlimit> rlimits = new ArrayList<>();
    int i = 0;
    for (JsonNode l : p.path("rlimits")) {
      String at = "process.rlimits[" + i++ + "]";
      r.known(l, at, "type", "soft", "hard");
      String type = l.path("type").asText();
      try {
        rlimits.add(new OciExec.Rlimit(jnr.constants.platform.RLIMIT.valueOf(type).intValue(), l.path("soft").asLong(),
            l.path("hard").asLong()));
      } catch (IllegalArgumentException e) {
        throw r.refuse(at + ".type", "is '" + type + "', which is no RLIMIT_ name this host knows");
      }
    }
    OptionalInt oom = p.has("oomScoreAdj") ? OptionalInt.of(p.get("oomScoreAdj").asInt()) : OptionalInt.empty();
    if (!p.path("noNewPrivileges").asBoolean(true)) {
      log.accept(file + ": process.noNewPrivileges is false, but poc always sets no_new_privs");
    }
    if (!p.path("apparmorProfile").asText("").isEmpty()) {
      log.accept(file + ": process.apparmorProfile '" + p.get("apparmorProfile").asText()
          + "' is ignored: poc does not apply AppArmor profiles");
    }
    for (String f : List.of("selinuxLabel", "commandLine", "ioPriority", "scheduler", "execCPUAffinity")) {
      if (p.has(f) && !p.get(f).isNull() && !p.get(f).asText("x").isEmpty()) {
        throw r.refuse("process." + f, "is not supported yet: drop it");
      }
    }
    return new ExecProcess(args, env, cwd, user.path("uid").asInt(0), user.path("gid").asInt(0), groups, caps,
        p.path("terminal").asBoolean(false), size.path("height").asInt(0), size.path("width").asInt(0), rlimits, oom);
  }

  /** A process from {@code exec}'s flags alone: the command, --env, --cwd, --tty, --user UID[:GID]. */
  static ExecProcess ofFlags(List<String> command, List<String> env, String cwd, boolean tty, String user) {
    if (command.isEmpty()) {
      throw new InvalidSpecException("exec needs a command after the container's id, or --process FILE");
    }
    List<String> all = new ArrayList<>();
    all.add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    if (tty) {
      all.add("TERM=xterm");
    }
    env.forEach(kv -> all.add(checkEnv(kv, "--env")));
    int uid = 0;
    int gid = 0;
    if (user != null) {
      String[] f = user.split(":", 2);
      try {
        uid = Integer.parseInt(f[0]);
        gid = f.length > 1 ? Integer.parseInt(f[1]) : 0;
      } catch (NumberFormatException e) {
        throw new InvalidSpecException("--user '" + user + "' is not UID[:GID] in numbers");
      }
    }
    return new ExecProcess(List.copyOf(command), all, cwd == null ? "/" : cwd, uid, gid, List.of(),
        java.util.OptionalLong.empty(), tty, 0, 0, List.of(), OptionalInt.empty());
  }

  private static String checkEnv(String kv, String where) {
    if (kv.indexOf('=') <= 0) {
      throw new InvalidSpecException(where + " has '" + kv + "', which is not NAME=VALUE");
    }
    return kv;
  }

  /** The checks of one file's fields, each error naming the file and the field. */
  private static final class Reader {
    private final String file;

    Reader(String file) {
      this.file = file;
    }

    void known(JsonNode node, String at, String... fields) {
      KnownFields.check(node, at, this::refuse, fields);
    }

    Set<Capability> capSet(JsonNode caps, String name) {
      Set<Capability> set = EnumSet.noneOf(Capability.class);
      for (JsonNode c : caps.path(name)) {
        try {
          set.add(Capability.parse(c.asText()));
        } catch (InvalidSpecException e) {
          throw refuse("process.capabilities." + name, "has " + e.getMessage());
        }
      }
      return set;
    }

    InvalidSpecException refuse(String field, String why) {
      return new InvalidSpecException(file + ": " + field + " " + why);
    }
  }
}
