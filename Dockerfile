# syntax=docker/dockerfile:1
# nhiscan in a container: a multi-stage build, the final image is Debian slim (a shell, so
# GitLab CI jobs can run scripts in it) with the binary alone, run as a non-root user.
#   docker build -t nhiscan .
#   docker run --rm -v "$PWD:/src:ro" -w /src nhiscan scan . --format sarif --output /dev/stdout

FROM rust:1.95-slim-bookworm AS build
WORKDIR /build
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY rules ./rules
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/build/target \
    cargo build --release --locked \
    && install -m 0755 target/release/nhiscan /usr/local/bin/nhiscan

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin nhiscan
COPY --from=build /usr/local/bin/nhiscan /usr/local/bin/nhiscan
USER 10001:10001
WORKDIR /src
ENTRYPOINT ["nhiscan"]
CMD ["scan", "."]
