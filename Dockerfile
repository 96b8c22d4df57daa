# Hearth node image. Build the jars on the host first (the image build does not reach Maven Central):
#   mvn -B -q -DskipTests package && podman build -t hearth:dev .     (docker build works the same)
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*

RUN useradd --system --uid 10001 --home-dir /var/lib/hearth --shell /usr/sbin/nologin hearth \
 && mkdir -p /var/lib/hearth /etc/hearth \
 && chown hearth:hearth /var/lib/hearth

# The release archive that `mvn package` builds, unpacked as the systemd unit installs it: bin/ (bin/jvm.options is
# the project's one list of JVM flags), lib/ for the node, cli-lib/ for hearthctl (its own classpath, so node and
# tool never share jars by accident), conf/, docs/. DistributionArchiveTest keeps this version the build's.
ARG HEARTH_VERSION=0.1.0-SNAPSHOT
ADD dist/target/hearth-${HEARTH_VERSION}.tar.gz /opt/
RUN ln -s /opt/hearth-${HEARTH_VERSION} /opt/hearth

ENV HEARTH_HOME=/opt/hearth \
    HEARTH_NODE_DATA_DIR=/var/lib/hearth \
    PATH=/opt/hearth/bin:$PATH

USER hearth
WORKDIR /var/lib/hearth
VOLUME ["/var/lib/hearth"]

# memcached, admin HTTP, thin client, discovery, communication
EXPOSE 11211 8080 10800 47500 47100

# Nine misses (90 s) before "unhealthy" covers a slow join; dockerfilelint 1.8 mis-parses --start-period.
HEALTHCHECK --interval=10s --timeout=3s --retries=9 \
  CMD curl -fs "http://$(hostname -i | awk '{print $1}'):8080/health/live" >/dev/null || exit 1

# SIGTERM reaches the JVM (PID 1 after the entrypoint's exec): graceful stop, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/hearth/bin/docker-entrypoint"]
