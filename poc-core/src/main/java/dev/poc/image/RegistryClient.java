package dev.poc.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.poc.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OCI distribution API (v2) over the JDK's HTTP client: manifests and blobs of one
 * repository, from the registry's mirrors first, answering the registry's auth challenge
 * ({@code Bearer} tokens from its realm, or {@code Basic} with the Docker credentials file).
 * Every blob is checked against its digest; a broken transfer resumes where it stopped.
 */
final class RegistryClient {
  static final String ACCEPT = String.join(", ",
      MediaTypes.OCI_INDEX, MediaTypes.OCI_MANIFEST, MediaTypes.DOCKER_LIST, MediaTypes.DOCKER_MANIFEST);
  private static final Pattern PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final RegistrySettings settings;
  private final Credentials credentials;
  private final HttpClient http;
  /** Authorization header values by endpoint and repository, learned from challenges. */
  private final Map<String, String> authorizations = new ConcurrentHashMap<>();

  RegistryClient(RegistrySettings settings) {
    this.settings = settings;
    this.credentials = new Credentials(settings.authFile());
    this.http = SharedHttp.CLIENT;
  }

  /**
   * One HTTP client for every pull of this JVM: a client costs its making (a selector thread) and
   * each pull a new connection otherwise; kept-alive connections to a registry are reused.
   */
  private static final class SharedHttp {
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
        .followRedirects(HttpClient.Redirect.NEVER).build(); // see follow(): the registry's credentials stay with it
  }

  /** A manifest or index as the registry sent it, and the endpoint that answered. */
  record Fetched(URI endpoint, String mediaType, byte[] body, Digest digest) {}

  /**
   * The manifest (or index) {@code reference} names in {@code ref}'s repository: a tag or a digest.
   * Tries each endpoint in turn; fails with every endpoint's answer when none has it.
   */
  Fetched manifest(ImageReference ref, String reference) {
    List<String> failures = new ArrayList<>();
    boolean allNotFound = true;
    for (URI endpoint : settings.endpoints(ref.registry())) {
      URI uri = endpoint.resolve("/v2/" + ref.repository() + "/manifests/" + reference);
      try {
        HttpResponse<byte[]> r = send(endpoint, ref, HttpRequest.newBuilder(uri).header("Accept", ACCEPT).GET(),
            HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 200) {
          String type = r.headers().firstValue("Content-Type").orElse("").split(";")[0].trim();
          return new Fetched(endpoint, type, r.body(), Digest.of(r.body()));
        }
        allNotFound &= r.statusCode() == 404;
        failures.add(endpoint + " answered " + r.statusCode() + errorText(r.body()));
      } catch (IOException e) {
        allNotFound = false;
        failures.add(endpoint + ": " + describe(e));
      } catch (ImagePullException e) {
        allNotFound = false; // e.g. a mirror that refuses us: the next endpoint may serve it
        failures.add(e.getMessage());
      }
    }
    if (failures.isEmpty()) {
      throw new ImagePullException("image " + ref.familiar() + ": registry " + ref.registry()
          + " has no mirror and mirrorsOnly is set, so nothing may be asked: add a mirror for " + ref.registry()
          + " (RegistrySettings.mirrors or POC_REGISTRY_MIRRORS) or turn mirrorsOnly off");
    }
    String tried = String.join("; ", failures);
    if (allNotFound) {
      throw new NotFoundException("image " + ref.familiar() + ": no manifest '" + reference + "' in repository "
          + ref.repository() + " (" + tried + "): check the name and the tag");
    }
    throw new ImagePullException("image " + ref.familiar() + ": cannot fetch manifest '" + reference + "' (" + tried
        + "): check that the registry runs and answers, and its credentials");
  }

  /**
   * Downloads blob {@code digest} of {@code ref}'s repository from {@code endpoint} into
   * {@code target} (continuing a partial file there), then checks its size and digest.
   */
  Digest blob(URI endpoint, ImageReference ref, Digest digest, long size, Path target, LongConsumer bytes) throws IOException {
    URI uri = endpoint.resolve("/v2/" + ref.repository() + "/blobs/" + digest);
    IOException last = null;
    MessageDigest streamed = null; // the digest of the bytes in target, computed as they arrive (null: not known)
    for (int attempt = 0; attempt <= settings.retries(); attempt++) {
      long have = Files.exists(target) ? Files.size(target) : 0;
      if (size > 0 && have >= size) {
        streamed = null; // complete already (an earlier pull's partial file): read once below
        break;
      }
      HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET();
      if (have > 0) {
        req.header("Range", "bytes=" + have + "-");
      }
      try {
        HttpResponse<InputStream> r = send(endpoint, ref, req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
          if (r.statusCode() == 404) {
            throw new NotFoundException("image " + ref.familiar() + ": blob " + digest + " is missing at " + endpoint
                + ": the registry lost it; push the image again");
          }
          boolean resumed = r.statusCode() == 206;
          if (r.statusCode() != 200 && !resumed) {
            throw new ImagePullException("image " + ref.familiar() + ": blob " + digest + " at " + endpoint + " answered "
                + r.statusCode() + errorText(in.readNBytes(2048)));
          }
          if (!resumed) {
            have = 0;
          }
          streamed = digestOfPrefix(target, have); // a resumed transfer: the bytes already there, once
          try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
              resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[128 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
              out.write(buf, 0, n);
              streamed.update(buf, 0, n);
              have += n;
              bytes.accept(have);
              if (size > 0 && have > size) {
                throw new ImagePullException("image " + ref.familiar() + ": blob " + digest + " at " + endpoint
                    + " is longer than the " + size + " bytes its manifest says: the registry serves a wrong blob");
              }
            }
          }
        }
        if (size <= 0 || have == size) {
          last = null;
          break;
        }
        last = new IOException("transfer ended after " + have + " of " + size + " bytes");
      } catch (IOException e) {
        last = e;
        streamed = null; // what was written before the failure is read again if the next attempt resumes
      }
    }
    long got = Files.exists(target) ? Files.size(target) : 0;
    if (last != null || (size > 0 && got != size)) {
      throw new ImagePullException("image " + ref.familiar() + ": blob " + digest + " from " + endpoint + " is truncated ("
          + got + " of " + size + " bytes after " + (settings.retries() + 1) + " attempts"
          + (last != null ? ", last: " + describe(last) : "") + "): check the registry and the network, and pull again");
    }
    // hashed on the way in: the blob is not read back (a partial file complete already is)
    Digest actual = streamed != null ? Digest.of(streamed) : digestOf(target);
    if (!actual.equals(digest)) {
      Files.deleteIfExists(target);
      throw new ImagePullException("image " + ref.familiar() + ": blob from " + endpoint + " has digest " + actual
          + ", not the " + digest + " its manifest names: the registry serves corrupt data; nothing was stored");
    }
    return actual;
  }

  /** A SHA-256 over the first {@code length} bytes of {@code file} (none when 0), to go on hashing what follows. */
  private static MessageDigest digestOfPrefix(Path file, long length) throws IOException {
    MessageDigest md = Digest.sha256();
    if (length > 0) {
      try (InputStream in = Files.newInputStream(file)) {
        byte[] buf = new byte[256 * 1024];
        long left = length;
        for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= n) {
          md.update(buf, 0, n);
        }
      }
    }
    return md;
  }

  static Digest digestOf(Path file) throws IOException {
    MessageDigest md = Digest.sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[256 * 1024];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return Digest.of(md);
  }

  /** Sends {@code req}; on a 401 answers the challenge once and sends it again. */
  private <T> HttpResponse<T> send(URI endpoint, ImageReference ref, HttpRequest.Builder req, HttpResponse.BodyHandler<T> body)
      throws IOException {
    String key = endpoint + " " + ref.repository();
    String auth = authorizations.get(key);
    req.timeout(TIMEOUT);
    if (auth != null) {
      req.setHeader("Authorization", auth);
    }
    HttpRequest first = req.build();
    HttpResponse<T> r = exchange(first, body);
    if (r.statusCode() != 401) {
      return follow(first, r, body);
    }
    discard(r);
    String challenge = r.headers().firstValue("WWW-Authenticate").orElseThrow(() -> new ImagePullException(
        "image " + ref.familiar() + ": " + endpoint + " answered 401 without saying how to authenticate (no WWW-Authenticate)"));
    String host = endpoint.getAuthority();
    authorizations.remove(key); // a token that expired is asked for again, once
    auth = answer(challenge, host, ref, endpoint);
    authorizations.put(key, auth);
    req.setHeader("Authorization", auth);
    HttpRequest again = req.build();
    r = exchange(again, body);
    if (r.statusCode() == 401 || r.statusCode() == 403) {
      discard(r);
      throw refused(ref, endpoint, "refused access (" + r.statusCode() + ") with the credentials of " + credentials.file());
    }
    return follow(again, r, body);
  }

  /**
   * Follows a redirect (registries send blobs to storage at signed addresses) without the
   * registry's Authorization header, which such storage refuses and must never see; the Range
   * and Accept headers go along. At most five hops, never from https to http.
   */
  private <T> HttpResponse<T> follow(HttpRequest sent, HttpResponse<T> r, HttpResponse.BodyHandler<T> body) throws IOException {
    HttpRequest current = sent;
    HttpResponse<T> response = r;
    for (int hop = 0; hop < 5; hop++) {
      int code = response.statusCode();
      if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) {
        return response;
      }
      java.util.Optional<String> location = response.headers().firstValue("Location");
      if (location.isEmpty()) {
        return response;
      }
      discard(response);
      URI next = current.uri().resolve(location.get());
      if (current.uri().getScheme().equals("https") && !"https".equals(next.getScheme())) {
        throw new ImagePullException("registry " + current.uri().getAuthority() + " redirects " + current.uri()
            + " to the plain-HTTP " + next + ": refusing to leave TLS");
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(next).timeout(TIMEOUT).GET();
      current.headers().firstValue("Range").ifPresent(v -> b.header("Range", v));
      current.headers().firstValue("Accept").ifPresent(v -> b.header("Accept", v));
      current = b.build();
      response = exchange(current, body);
    }
    throw new ImagePullException("registry " + sent.uri().getAuthority() + " redirects " + sent.uri() + " more than five times");
  }

  private ImagePullException refused(ImageReference ref, URI endpoint, String what) {
    return new ImagePullException("image " + ref.familiar() + ": registry " + endpoint + " " + what
        + ": log in (docker login " + endpoint.getAuthority() + ") or fix the entry in " + credentials.file());
  }

  /** The Authorization header value that answers {@code challenge}. */
  private String answer(String challenge, String host, ImageReference ref, URI endpoint) throws IOException {
    String scheme = challenge.split(" ", 2)[0];
    Optional<String> basic = credentials.basicFor(host);
    if (scheme.equalsIgnoreCase("Basic")) {
      return "Basic " + basic.orElseThrow(() -> refused(ref, endpoint, "asks for a user name and password, and "
          + credentials.file() + " has none for " + host));
    }
    if (!scheme.equalsIgnoreCase("Bearer")) {
      throw new ImagePullException("image " + ref.familiar() + ": registry " + endpoint + " asks for auth scheme '" + scheme
          + "', which poc does not speak (only Bearer and Basic)");
    }
    Map<String, String> params = new java.util.HashMap<>();
    Matcher m = PARAM.matcher(challenge);
    while (m.find()) {
      params.put(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2));
    }
    String realm = params.get("realm");
    if (realm == null) {
      throw new ImagePullException("image " + ref.familiar() + ": registry " + endpoint + " sent a Bearer challenge without a realm: " + challenge);
    }
    StringBuilder q = new StringBuilder();
    if (params.containsKey("service")) {
      q.append("service=").append(URLEncoder.encode(params.get("service"), StandardCharsets.UTF_8));
    }
    String scope = params.getOrDefault("scope", "repository:" + ref.repository() + ":pull");
    q.append(q.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI tokenUri = URI.create(realm + (realm.contains("?") ? "&" : "?") + q);
    HttpRequest.Builder tr = HttpRequest.newBuilder(tokenUri).timeout(TIMEOUT).GET();
    basic.ifPresent(b -> tr.header("Authorization", "Basic " + b));
    HttpResponse<byte[]> r = exchange(tr.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw refused(ref, endpoint, "gave no token: its realm " + realm + " answered " + r.statusCode() + errorText(r.body()));
    }
    JsonNode json = new ObjectMapper().readTree(r.body());
    String token = json.hasNonNull("token") ? json.get("token").asText() : json.path("access_token").asText("");
    if (token.isEmpty()) {
      throw new ImagePullException("image " + ref.familiar() + ": the token realm " + realm + " answered without a token");
    }
    return "Bearer " + token;
  }

  private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> body) throws IOException {
    try {
      return http.send(req, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while talking to " + req.uri());
    }
  }

  private static void discard(HttpResponse<?> r) {
    if (r.body() instanceof InputStream in) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing to keep
      }
    }
  }

  private static String errorText(byte[] body) {
    if (body == null || body.length == 0) {
      return "";
    }
    String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
    return " (" + text + ")";
  }

  private static String describe(IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused or unreachable";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
