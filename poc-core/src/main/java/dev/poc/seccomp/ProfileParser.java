package dev.poc.seccomp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.InvalidSpecException;
import dev.poc.seccomp.bpf.Arch;
import dev.poc.seccomp.bpf.SyscallTable;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a profile in Docker's / the OCI runtime spec's JSON into a {@link SeccompProfile}, and
 * refuses, naming the source and the field, anything poc would not enforce as written: unknown
 * fields, unknown actions or operators, TRACE and NOTIFY, and call names that are a system call
 * on no architecture at all (names of other architectures are accepted, as libseccomp does).
 */
final class ProfileParser {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> TOP = Set.of("defaultAction", "defaultErrnoRet", "architectures", "archMap",
      "syscalls", "comment", "flags", "listenerPath", "listenerMetadata");
  private static final Set<String> RULE = Set.of("names", "name", "action", "errnoRet", "args", "includes",
      "excludes", "comment");
  private static final Set<String> ARG = Set.of("index", "value", "valueTwo", "op");
  private static final Set<String> WHEN = Set.of("caps", "arches", "minKernel");
  private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private final String source;

  private ProfileParser(String source) {
    this.source = source;
  }

  /** {@code source} names the profile in errors (a file path, "docker-default", ...). */
  static SeccompProfile parse(String json, String source, Arch nativeArch) {
    return new ProfileParser(source).parse(json, nativeArch);
  }

  private SeccompProfile parse(String json, Arch nativeArch) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw error("", "is not valid JSON (" + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr() + ")");
    }
    if (root == null || !root.isObject()) {
      throw error("", "is not a JSON object: a profile is {\"defaultAction\": ..., \"syscalls\": [...]}");
    }
    onlyFields(root, TOP, "");
    JsonNode flags = root.path("flags");
    if (flags.isArray() && flags.size() > 0) {
      throw error("flags", "poc installs filters without flags: remove " + flags);
    }
    if (root.hasNonNull("listenerPath")) {
      throw error("listenerPath", "poc has no seccomp notification listener: remove it");
    }
    if (!root.hasNonNull("defaultAction")) {
      throw error("defaultAction", "is missing: say what calls no rule names get, e.g. \"SCMP_ACT_ERRNO\"");
    }
    int defaultErrno = root.hasNonNull("defaultErrnoRet") ? errno(root.get("defaultErrnoRet"), "defaultErrnoRet") : 1;
    SeccompAction defaultAction = action(root.get("defaultAction"), defaultErrno, "defaultAction");
    List<String> arches = architectures(root, nativeArch);
    List<SeccompProfile.Rule> rules = new ArrayList<>();
    JsonNode calls = root.path("syscalls");
    if (!calls.isMissingNode() && !calls.isNull() && !calls.isArray()) {
      throw error("syscalls", "must be a list of rules");
    }
    for (int i = 0; i < calls.size(); i++) {
      rules.add(rule(calls.get(i), "syscalls[" + i + "]"));
    }
    return new SeccompProfile(defaultAction, arches, rules);
  }

  /** OCI's {@code architectures}, or Docker's {@code archMap} entry for the native architecture. */
  private List<String> architectures(JsonNode root, Arch nativeArch) {
    List<String> out = new ArrayList<>();
    if (root.hasNonNull("architectures")) {
      for (String a : strings(root.get("architectures"), "architectures")) {
        checkArch(a, "architectures");
        out.add(a);
      }
    }
    JsonNode map = root.path("archMap");
    for (int i = 0; i < map.size(); i++) {
      JsonNode e = map.get(i);
      String field = "archMap[" + i + "]";
      onlyFields(e, Set.of("architecture", "subArchitectures"), field);
      String main = text(e.get("architecture"), field + ".architecture");
      checkArch(main, field + ".architecture");
      List<String> subs = e.hasNonNull("subArchitectures")
          ? strings(e.get("subArchitectures"), field + ".subArchitectures") : List.of();
      subs.forEach(s -> checkArch(s, field + ".subArchitectures"));
      if (main.equals(nativeArch.scmpName())) {
        out.add(main);
        out.addAll(subs);
      }
    }
    return out;
  }

  private void checkArch(String a, String field) {
    if (!a.startsWith("SCMP_ARCH_") || a.length() <= "SCMP_ARCH_".length()) {
      throw error(field, "'" + a + "' is not an architecture: write it as libseccomp does, e.g. SCMP_ARCH_X86_64");
    }
  }

  private SeccompProfile.Rule rule(JsonNode r, String field) {
    if (!r.isObject()) {
      throw error(field, "must be an object with names and action");
    }
    onlyFields(r, RULE, field);
    List<String> names = new ArrayList<>();
    if (r.hasNonNull("names")) {
      names.addAll(strings(r.get("names"), field + ".names"));
    }
    if (r.hasNonNull("name")) {
      names.add(text(r.get("name"), field + ".name"));
    }
    if (names.isEmpty()) {
      throw error(field + ".names", "is missing or empty: name the system calls this rule is for");
    }
    for (String n : names) {
      if (!SyscallTable.get().isKnown(n)) {
        throw error(field + ".names", "'" + n + "' is not a system call on any architecture poc knows: check the spelling");
      }
    }
    if (!r.hasNonNull("action")) {
      throw error(field + ".action", "is missing: say what these calls get, e.g. \"SCMP_ACT_ALLOW\"");
    }
    int errno = r.hasNonNull("errnoRet") ? errno(r.get("errnoRet"), field + ".errnoRet") : 1;
    SeccompAction action = action(r.get("action"), errno, field + ".action");
    if (r.hasNonNull("errnoRet") && action.kind() != SeccompAction.Kind.ERRNO) {
      throw error(field + ".errnoRet", "only goes with SCMP_ACT_ERRNO, not " + action.scmpName());
    }
    List<SeccompProfile.ArgCondition> args = new ArrayList<>();
    JsonNode a = r.path("args");
    if (!a.isMissingNode() && !a.isNull() && !a.isArray()) {
      throw error(field + ".args", "must be a list");
    }
    for (int i = 0; i < a.size(); i++) {
      args.add(arg(a.get(i), field + ".args[" + i + "]"));
    }
    if (args.size() > 6) {
      throw error(field + ".args", "has " + args.size() + " conditions; a call has at most 6 arguments");
    }
    return new SeccompProfile.Rule(names, action, args, when(r.get("includes"), field + ".includes"),
        when(r.get("excludes"), field + ".excludes"));
  }

  private SeccompProfile.ArgCondition arg(JsonNode a, String field) {
    if (!a.isObject()) {
      throw error(field, "must be an object with index, value and op");
    }
    onlyFields(a, ARG, field);
    JsonNode index = a.get("index");
    if (index == null || !index.canConvertToInt() || index.asInt() < 0 || index.asInt() > 5) {
      throw error(field + ".index", "must be an argument number from 0 to 5, not " + index);
    }
    String op = text(a.get("op"), field + ".op");
    SeccompProfile.Op parsed;
    try {
      parsed = SeccompProfile.Op.valueOf(op.startsWith("SCMP_CMP_") ? op.substring(9) : "?");
    } catch (IllegalArgumentException e) {
      throw error(field + ".op", "'" + op + "' is not an operator: use SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT or _MASKED_EQ");
    }
    long value = u64(a.get("value"), field + ".value");
    long valueTwo = a.hasNonNull("valueTwo") ? u64(a.get("valueTwo"), field + ".valueTwo") : 0;
    return new SeccompProfile.ArgCondition(index.asInt(), value, valueTwo, parsed);
  }

  private SeccompProfile.When when(JsonNode w, String field) {
    if (w == null || w.isNull()) {
      return SeccompProfile.When.ALWAYS;
    }
    if (!w.isObject()) {
      throw error(field, "must be an object with caps, arches or minKernel");
    }
    onlyFields(w, WHEN, field);
    List<String> caps = w.hasNonNull("caps") ? strings(w.get("caps"), field + ".caps") : List.of();
    for (String c : caps) {
      if (!c.matches("CAP_[A-Z_]+")) {
        throw error(field + ".caps", "'" + c + "' is not a capability name like CAP_SYS_ADMIN");
      }
    }
    List<String> arches = w.hasNonNull("arches") ? strings(w.get("arches"), field + ".arches") : List.of();
    Optional<String> minKernel = Optional.empty();
    if (w.hasNonNull("minKernel")) {
      String k = text(w.get("minKernel"), field + ".minKernel");
      if (!k.matches("[0-9]+(\\.[0-9]+){0,2}")) {
        throw error(field + ".minKernel", "'" + k + "' is not a kernel version like 4.8");
      }
      minKernel = Optional.of(k);
    }
    return new SeccompProfile.When(caps, arches, minKernel);
  }

  private SeccompAction action(JsonNode node, int errno, String field) {
    String a = text(node, field);
    String kind = a.startsWith("SCMP_ACT_") ? a.substring(9) : "?";
    return switch (kind) {
      case "ALLOW" -> SeccompAction.ALLOW;
      case "ERRNO" -> SeccompAction.errno(errno);
      case "KILL", "KILL_THREAD" -> new SeccompAction(SeccompAction.Kind.KILL_THREAD, 0);
      case "KILL_PROCESS" -> SeccompAction.KILL_PROCESS;
      case "TRAP" -> new SeccompAction(SeccompAction.Kind.TRAP, 0);
      case "LOG" -> new SeccompAction(SeccompAction.Kind.LOG, 0);
      case "TRACE" -> throw error(field, "SCMP_ACT_TRACE needs a ptrace tracer, and none stands behind a poc "
          + "container (the calls would fail with ENOSYS): use SCMP_ACT_ERRNO, SCMP_ACT_LOG or SCMP_ACT_TRAP");
      case "NOTIFY" -> throw error(field, "SCMP_ACT_NOTIFY needs a seccomp notification listener, which poc does "
          + "not have: use SCMP_ACT_ERRNO or SCMP_ACT_LOG");
      default -> throw error(field, "'" + a + "' is not an action: use SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
          + "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD (SCMP_ACT_KILL), SCMP_ACT_TRAP or SCMP_ACT_LOG");
    };
  }

  private int errno(JsonNode n, String field) {
    if (!n.canConvertToInt() || n.asInt() < 0 || n.asInt() > 4095) {
      throw error(field, "must be an errno number from 0 to 4095, not " + n);
    }
    return n.asInt();
  }

  private long u64(JsonNode n, String field) {
    if (n == null || !n.isIntegralNumber()) {
      throw error(field, "must be an integer, not " + n);
    }
    BigInteger v = n.bigIntegerValue();
    if (v.signum() < 0 || v.compareTo(U64_MAX) > 0) {
      throw error(field, v + " does not fit in an unsigned 64-bit argument");
    }
    return v.longValue();
  }

  private String text(JsonNode n, String field) {
    if (n == null || !n.isTextual()) {
      throw error(field, "must be a string, not " + n);
    }
    return n.asText();
  }

  private List<String> strings(JsonNode n, String field) {
    if (!n.isArray()) {
      throw error(field, "must be a list of strings");
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n.size(); i++) {
      out.add(text(n.get(i), field + "[" + i + "]"));
    }
    return out;
  }

  private void onlyFields(JsonNode obj, Set<String> known, String field) {
    for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw error(field.isEmpty() ? f : field + "." + f, "is not a field of a seccomp profile "
            + (field.isEmpty() ? "" : "rule ") + "(known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")");
      }
    }
  }

  private InvalidSpecException error(String field, String what) {
    return new InvalidSpecException("seccomp profile " + source + (field.isEmpty() ? "" : ": " + field) + " " + what);
  }

}
