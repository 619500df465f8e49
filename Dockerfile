# syntax=docker/dockerfile:1
# Dockerfile — every GopherTok binary from one build. The build stage compiles the edge, the
# six workers, the all-in-one and the NATS key maker (`gophertok-nats-auth`, compose/README.md
# "NATS keys") once; two small runtime images carry them all (the command picks the binary,
# compose.yml sets it per service):
#   runtime         debian slim + CA certificates + curl (health checks), non-root
#   runtime-ffmpeg  the same + ffmpeg/ffprobe, for the video worker (and the all-in-one)
#   docker build --target runtime -t gophertok .          docker run gophertok edge
#   docker build --target runtime-ffmpeg -t gophertok-ffmpeg .

ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=trixie

# ------------------------------------------------------------------ build
FROM rust:${RUST_VERSION}-slim-${DEBIAN_RELEASE} AS build
WORKDIR /src
# The manifests and lock first would let Docker reuse the dependency layer, but a workspace
# needs every member's manifest; BuildKit's cache mounts keep the registry and target warm
# across builds instead, which works for any change.
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
        -p gophertok -p edge -p user -p video -p favorite -p comment -p relation -p chat \
    && mkdir -p /out \
    && cp target/release/gophertok target/release/edge target/release/user \
        target/release/video target/release/favorite target/release/comment \
        target/release/relation target/release/chat target/release/gophertok-nats-auth /out/

# ------------------------------------------------------------------ runtime
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/gophertok \
        --shell /usr/sbin/nologin gophertok \
    && mkdir -p /var/lib/gophertok \
    && chown gophertok:gophertok /var/lib/gophertok
COPY --from=build /out/ /usr/local/bin/
WORKDIR /var/lib/gophertok
USER gophertok:gophertok
# Defaults point at loopback (libs/settings); a container listens on every interface and
# keeps host-local state (a generated token key) in its home, which is a volume or tmpfs.
ENV GOPHERTOK__EDGE__LISTEN=0.0.0.0:8080 \
    GOPHERTOK__DATA_DIR=/var/lib/gophertok \
    GOPHERTOK_HEALTH_URL=http://127.0.0.1:8080/readyz
EXPOSE 8080 9464
# The edge's (and the all-in-one's) readiness; a worker's compose service points
# GOPHERTOK_HEALTH_URL at its admin port, or overrides the check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "$GOPHERTOK_HEALTH_URL" || exit 1
CMD ["gophertok"]

# ------------------------------------------------------------------ runtime with ffmpeg
FROM runtime AS runtime-ffmpeg
USER root
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*
USER gophertok:gophertok
