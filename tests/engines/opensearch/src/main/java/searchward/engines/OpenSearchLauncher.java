package searchward.engines;

import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node on 127.0.0.1 with the real (Netty 4) HTTP layer, data under a temporary
 * directory. Prints {@code listening http://127.0.0.1:PORT} on stdout once it answers HTTP (all
 * logging goes to stderr), and on SIGTERM closes the node, removes its data and exits 0.
 */
public final class OpenSearchLauncher {
  /** A node with the classpath plugins an installed distribution would load as modules. */
  static final class EmbeddedNode extends Node {
    EmbeddedNode(Settings settings, List<Class<? extends Plugin>> plugins) {
      super(
          InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "searchward"),
          plugins,
          true);
    }
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    System.setOut(System.err);
    long started = System.nanoTime();
    Path home = Files.createTempDirectory("searchward-opensearch");
    Settings settings =
        Settings.builder()
            .put("cluster.name", "searchward")
            .put("node.name", "searchward-1")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", "0")
            .put("transport.port", "0")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", true)
            .build();
    try {
      run(out, home, settings, started, args);
    } catch (Exception e) {
      removeTree(home);
      throw e;
    }
    Thread.currentThread().join();
  }

  static void run(PrintStream out, Path home, Settings settings, long started, String[] args)
      throws Exception {
    Node node = new EmbeddedNode(settings, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
    Runnable stop =
        () -> {
          try {
            node.close();
          } catch (IOException e) {
            System.err.println("opensearch: close failed: " + e);
          }
          removeTree(home);
        };
    Signals.onTerm(stop, args);
    node.start();
    int port =
        node.injector()
            .getInstance(HttpServerTransport.class)
            .boundAddress()
            .publishAddress()
            .getPort();
    String url = "http://127.0.0.1:" + port;
    waitForHttp(url + "/_cluster/health?wait_for_status=yellow&timeout=60s");
    System.err.printf(
        "opensearch %s started in %d ms%n",
        org.opensearch.Version.CURRENT, (System.nanoTime() - started) / 1_000_000);
    out.println("listening " + url);
    out.flush();
  }

  static void waitForHttp(String url) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(2000);
        c.setReadTimeout(70000);
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
