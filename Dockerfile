# Hearth node image. Build the jars on the host first (the image build does not reach Maven Central):
#   mvn -B -q -DskipTests package && podman build -t hearth:dev .     (docker build works the same)
FROM debian:bookworm-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/*

# A fixed numeric user and group: Kubernetes can only prove runAsNonRoot for a numeric USER, and the manifests'
# runAsUser/fsGroup (deploy/kubernetes) name the same 10001.
RUN groupadd --system --gid 10001 hearth \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/hearth --shell /usr/sbin/nologin hearth \
 && mkdir -p /var/lib/hearth /etc/hearth \
 && chown 10001:10001 /var/lib/hearth

# The release archive that `mvn package` builds, unpacked as the systemd unit installs it: bin/ (bin/jvm.options is
# the project's one list of JVM flags), lib/ for the node, cli-lib/ for hearthctl (its own classpath, so node and
# tool never share jars by accident), conf/, docs/. DistributionArchiveTest keeps this version the build's.
ARG HEARTH_VERSION=0.1.0-SNAPSHOT
ADD dist/target/hearth-${HEARTH_VERSION}.tar.gz /opt/
RUN ln -s /opt/hearth-${HEARTH_VERSION} /opt/hearth

# The class-data archives are recorded here, by this image's JVM against these jars. lib/hearth-node.jsa: a throwaway
# node starts on loopback and stops; every container start then maps its classes, about 2 s faster (bin/hearth-node).
# cli-lib/hearthctl.jsa: status calls against an in-process stand-in node (kubectl exec ... hearthctl status).
RUN /opt/hearth/bin/hearth-node --record-class-archive && /opt/hearth/bin/hearthctl --record-class-archive

ENV HEARTH_HOME=/opt/hearth \
    HEARTH_NODE_DATA_DIR=/var/lib/hearth \
    PATH=/opt/hearth/bin:$PATH

USER 10001:10001
WORKDIR /var/lib/hearth
VOLUME ["/var/lib/hearth"]

# memcached, admin HTTP, thin client, discovery, communication
EXPOSE 11211 8080 10800 47500 47100

# Nine misses (90 s) before "unhealthy" covers a slow join; dockerfilelint 1.8 mis-parses --start-period.
# bin/hearth-probe asks /health/live over HTTP, or over HTTPS with the node's certificate when TLS is on.
HEALTHCHECK --interval=10s --timeout=5s --retries=9 \
  CMD ["/opt/hearth/bin/hearth-probe", "live"]

# SIGTERM reaches the JVM (PID 1 after the entrypoint's exec): graceful stop, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/hearth/bin/docker-entrypoint"]
