# syntax=docker/dockerfile:1
# Build stage: dependencies first (cached while Cargo.toml/Cargo.lock are
# unchanged), then the crate itself.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked --bin hirevet \
    && rm -rf src target/release/.fingerprint/hirevet-*
COPY migrations migrations
COPY src src
RUN cargo build --release --locked --bin hirevet

# Runtime stage: no toolchain, a non-root user, data in /var/lib/hirevet.
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /var/lib/hirevet --create-home hirevet
COPY --from=build /src/target/release/hirevet /usr/local/bin/hirevet
USER hirevet
WORKDIR /var/lib/hirevet
ENV HIREVET_LISTEN=0.0.0.0:8080 \
    HIREVET_DATABASE_URL=sqlite:///var/lib/hirevet/hirevet.db
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["hirevet", "healthcheck"]
ENTRYPOINT ["hirevet"]
CMD ["serve"]
