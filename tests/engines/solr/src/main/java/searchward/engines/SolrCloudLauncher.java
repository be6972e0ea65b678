package searchward.engines;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.solr.client.solrj.request.CollectionAdminRequest;
import org.apache.solr.cloud.MiniSolrCloudCluster;
import org.apache.solr.embedded.JettyConfig;

/**
 * SolrCloud: two Solr nodes and an embedded ZooKeeper in this JVM, one collection
 * {@code searchward} with two shards (one on each node), so every search is distributed.
 * Prints {@code listening http://127.0.0.1:PORT} (the first node) once the collection answers
 * /select; on SIGTERM shuts the cluster down, removes its data and exits 0.
 */
public final class SolrCloudLauncher {
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    System.setOut(System.err);
    long started = System.nanoTime();
    Path base = Files.createTempDirectory("searchward-solrcloud");
    try {
      Path conf = base.resolve("configset");
      SolrFiles.writeConfigSet(conf);
      JettyConfig jetty = JettyConfig.builder().setPort(0).setContext("/solr").stopAtShutdown(false).build();
      MiniSolrCloudCluster cluster = new MiniSolrCloudCluster(2, base.resolve("cluster"), jetty);
      Signals.onTerm(
          () -> {
            try {
              cluster.shutdown();
            } catch (Exception e) {
              System.err.println("solrcloud: shutdown failed: " + e);
            }
            SolrFiles.removeTree(base);
          },
          args);
      cluster.uploadConfigSet(conf, SolrFiles.NAME);
      CollectionAdminRequest.createCollection(SolrFiles.NAME, SolrFiles.NAME, 2, 1)
          .process(cluster.getSolrClient());
      cluster.waitForActiveCollection(SolrFiles.NAME, 2, 2);
      String url = "http://127.0.0.1:" + cluster.getJettySolrRunners().get(0).getLocalPort();
      SolrFiles.waitForHttp(url + "/solr/" + SolrFiles.NAME + "/select?q=*:*&rows=0");
      System.err.printf("solrcloud (2 nodes) started in %d ms%n", (System.nanoTime() - started) / 1_000_000);
      out.println("listening " + url);
      out.flush();
    } catch (Exception e) {
      SolrFiles.removeTree(base);
      throw e;
    }
    Thread.currentThread().join();
  }
}
