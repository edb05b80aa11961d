package dev.poc.launch;

import dev.poc.host.FileTrees;
import dev.poc.spi.Attachment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Release helpers shared by stop, failed starts, rm, prune and reclaim. */
public final class Release {
  private static final Logger LOG = LoggerFactory.getLogger(Release.class);

  private Release() {}

  /** Closes attachments in reverse order; one failing does not keep the others. */
  public static void all(List<Attachment> attachments) {
    for (int i = attachments.size() - 1; i >= 0; i--) {
      long t0 = System.nanoTime();
      try {
        attachments.get(i).close();
        if (LOG.isDebugEnabled()) {
          LOG.debug("released {} in {} us", attachments.get(i), (System.nanoTime() - t0) / 1000);
        }
      } catch (RuntimeException e) {
        LOG.warn("releasing {} failed: {}", attachments.get(i), e.toString());
      }
    }
  }

  /** Deletes a directory tree without following links; a failure is logged, not thrown (best effort). */
  public static void deleteTree(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      LOG.warn("removing {} failed: {}", dir, e.toString());
    }
  }
}
