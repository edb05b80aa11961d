# poc's base image, the seed's: Debian with network tools, process tools and sysbench.
# `poc init` builds it through the Docker Engine API when a daemon answers; BASE picks the parent.
ARG BASE=debian:bookworm-slim
FROM ${BASE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      iproute2 iputils-ping net-tools procps sysbench \
 && rm -rf /var/lib/apt/lists/*
CMD ["bash"]
