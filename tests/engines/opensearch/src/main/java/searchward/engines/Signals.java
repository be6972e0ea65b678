package searchward.engines;

import java.io.IOException;

import sun.misc.Signal;

/**
 * How a launcher stops: SIGTERM or SIGINT, and with {@code --exit-on-stdin-eof} also the end of
 * its standard input (a test harness holds the pipe; when the harness exits, the engine goes).
 * The clean-up runs once, then the JVM exits 0.
 */
final class Signals {
  private Signals() {}

  private static final Object LOCK = new Object();
  private static boolean stopping;

  static void onTerm(Runnable cleanup, String[] args) {
    Runnable once =
        () -> {
          synchronized (LOCK) {
            if (stopping) {
              return;
            }
            stopping = true;
          }
          try {
            cleanup.run();
          } finally {
            Runtime.getRuntime().halt(0);
          }
        };
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), s -> once.run());
    }
    if (java.util.Arrays.asList(args).contains("--exit-on-stdin-eof")) {
      Thread watch =
          new Thread(
              () -> {
                try {
                  while (System.in.read() >= 0) {
                    // Input is ignored; only its end matters.
                  }
                } catch (IOException e) {
                  // A broken stdin counts as its end.
                }
                once.run();
              },
              "stdin-eof");
      watch.setDaemon(true);
      watch.start();
    }
  }
}
