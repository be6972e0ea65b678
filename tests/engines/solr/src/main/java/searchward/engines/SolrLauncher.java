package searchward.engines;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Standalone Solr (Jetty) on 127.0.0.1 with one core, {@code searchward}, in a temporary Solr
 * home. Prints {@code listening http://127.0.0.1:PORT} on stdout once the core answers /select;
 * on SIGTERM stops Jetty, removes the Solr home and exits 0.
 */
public final class SolrLauncher {
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    System.setOut(System.err);
    long started = System.nanoTime();
    Path home = Files.createTempDirectory("searchward-solr");
    try {
      Files.writeString(home.resolve("solr.xml"), "<solr></solr>\n");
      Path core = home.resolve(SolrFiles.NAME);
      SolrFiles.writeConfigSet(core.resolve("conf"));
      Files.writeString(core.resolve("core.properties"), "name=" + SolrFiles.NAME + "\n");
      System.setProperty("solr.install.dir", home.toString());
      JettyConfig config = JettyConfig.builder().setPort(0).setContext("/solr").stopAtShutdown(false).build();
      JettySolrRunner jetty = new JettySolrRunner(home.toString(), new Properties(), config);
      Signals.onTerm(
          () -> {
            try {
              jetty.stop();
            } catch (Exception e) {
              System.err.println("solr: stop failed: " + e);
            }
            SolrFiles.removeTree(home);
          },
          args);
      jetty.start();
      String url = "http://127.0.0.1:" + jetty.getLocalPort();
      SolrFiles.waitForHttp(url + "/solr/" + SolrFiles.NAME + "/select?q=*:*&rows=0");
      System.err.printf("solr standalone started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
      out.println("listening " + url);
      out.flush();
    } catch (Exception e) {
      SolrFiles.removeTree(home);
      throw e;
    }
    Thread.currentThread().join();
  }
}
