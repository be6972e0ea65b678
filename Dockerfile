# searchward: multi-stage build, small non-root runtime image.
FROM rust:1-bookworm AS build
WORKDIR /src
# Manifests first so the dependency build is cached between source changes.
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY tests ./tests
# The built-in English notice texts are compiled in from config/signpost-defaults.toml.
COPY config ./config
RUN cargo build --release --locked --bin searchward

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin searchward
COPY --from=build /src/target/release/searchward /usr/local/bin/searchward
COPY config /etc/searchward/config
COPY lists /etc/searchward/lists
WORKDIR /etc/searchward
# The proxy listens on all interfaces inside the container; the admin API stays on loopback
# unless the operator publishes it deliberately (SEARCHWARD_ADMIN_LISTEN).
ENV SEARCHWARD_LISTEN=0.0.0.0:8080 \
    SEARCHWARD_ADMIN_LISTEN=127.0.0.1:9090 \
    SEARCHWARD_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["searchward", "healthcheck", "--url", "http://127.0.0.1:9090/readyz"]
ENTRYPOINT ["searchward"]
# `docker run IMAGE` runs the demo; mount a config and run `serve --config …` in production.
CMD ["demo"]
