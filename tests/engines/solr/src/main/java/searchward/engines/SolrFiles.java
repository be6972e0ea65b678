package searchward.engines;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The `searchward` config set on disk, HTTP readiness and temporary-directory clean-up. */
final class SolrFiles {
  private SolrFiles() {}

  static final String NAME = "searchward";

  /** Writes solrconfig.xml and schema.xml (from the classpath) into {@code dir}. */
  static void writeConfigSet(Path dir) throws IOException {
    Files.createDirectories(dir);
    for (String f : new String[] {"solrconfig.xml", "schema.xml"}) {
      try (InputStream in = SolrFiles.class.getResourceAsStream("/searchward-conf/" + f)) {
        if (in == null) {
          throw new IOException("missing resource " + f);
        }
        Files.copy(in, dir.resolve(f));
      }
    }
  }

  static void waitForHttp(String url) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(30000);
        if (c.getResponseCode() == 200) {
          c.getInputStream().readAllBytes();
          return;
        }
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no HTTP 200 from " + url);
      }
      Thread.sleep(100);
    }
  }

  static void removeTree(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not remove " + root + ": " + e);
    }
  }
}
