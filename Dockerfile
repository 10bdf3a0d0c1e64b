# Tensorline on CPU: a jlink-ed Java runtime, the engines' natives unpacked at build time and an AppCDS archive,
# so a new container is ready fast. Build and run (see README.md, "Images"):
#   docker build -t tensorline:0.1.0 .
#   docker run -p 8000:8000 -p 8001:8001 -p 8002:8002 -v "$PWD/model-repository:/models" tensorline:0.1.0

# ---- build: the server with the wrapper, then /opt/tensorline laid out by deploy/image/assemble ----
FROM eclipse-temurin:17-jdk-jammy AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY proto/ proto/
COPY engines/ engines/
COPY server/ server/
COPY server-s3-tests/pom.xml server-s3-tests/
COPY client-tests/pom.xml client-tests/
COPY benchmarks/ benchmarks/
COPY perf/ perf/
COPY client/ client/
COPY embedded/ embedded/
COPY spark/pom.xml spark/
COPY deploy/ deploy/
COPY model-repository/ model-repository/
RUN ./mvnw -B -q -DskipTests package -pl server -am
# jlink-ed runtime, server jars, natives unpacked, and the class data sharing archive from one training start on
# the bundled models (it must be made at the path the image runs it from)
RUN deploy/image/assemble /opt/tensorline /src/model-repository

# ---- runtime: Ubuntu 22.04 (the glibc the natives were unpacked against), curl for the health check ----
FROM ubuntu:22.04
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tensorline \
 && useradd --system --uid 10001 --gid 10001 --home-dir /opt/tensorline tensorline \
 && mkdir -p /models
COPY --from=build --chown=10001:10001 /opt/tensorline/ /opt/tensorline/
ENV DJL_CACHE_DIR=/opt/tensorline/cache/djl \
    ENGINE_CACHE_DIR=/opt/tensorline/cache/djl

USER 10001:10001
WORKDIR /opt/tensorline
EXPOSE 8000 8001 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:8000/v2/health/ready || exit 1
ENTRYPOINT ["/opt/tensorline/runtime/bin/java", "@/opt/tensorline/jvm.options", "-jar", "/opt/tensorline/tensorline-server.jar", "serve"]
CMD ["--model-repository=/models"]
