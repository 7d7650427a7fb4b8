# The per-host agent with its eBPF sensor. Built from the repository root: docker build -f docker/agent.Dockerfile .
# Runs privileged in the host's PID namespace: see the agent service in docker-compose.yml.

# Only the npm manifests, so that the npm ci layer is reused until one of them changes.
FROM node:20-bookworm AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests && find . -name node_modules -prune -o \
    \( -name package.json -o -name package-lock.json \) -exec cp --parents {} /manifests/ \;

FROM node:20-bookworm AS build
WORKDIR /src
# The sensor's build tools, from the list npm test and npm run up install (clang, libbpf-dev, bpftool, ...).
COPY scripts/prerequisites.sh scripts/
RUN bash -c 'source scripts/prerequisites.sh && install_debian_packages'
COPY --from=manifests /manifests/ ./
# The npm that package.json names (packageManager) reads its lockfile and install-script settings as written.
RUN npm install -g --no-audit --no-fund "$(node -p 'require("./package.json").packageManager')" && \
    npm ci --no-audit --no-fund
COPY . .
# vmlinux.h is generated from the build machine's kernel (/sys/kernel/btf/vmlinux, so it needs BTF); the programs
# are CO-RE, relocated when they load, so the image runs on any kernel with BTF.
RUN make -s -C bpf build/vigil-sensor && node agent/build.mjs && deploy/stage-agent.sh /opt/vigil

FROM node:20-bookworm-slim
RUN apt-get update -q && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libbpf1 libelf1 && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/vigil /opt/vigil
COPY docker/agent-entrypoint.sh /usr/local/bin/vigil-agent-entrypoint
# The launcher rebuilds a bundle older than the (empty) source directories beside it: whatever times COPY gave
# them, they are the bundle's again. Then the build fails, not the host, if the sensor misses a library or the
# bundle a module.
RUN find /opt/vigil/agent/src /opt/vigil/packages -type d -exec touch -r /opt/vigil/agent/dist/vigil-agent.mjs {} + && \
    /opt/vigil/bpf/build/vigil-sensor --help >/dev/null && /opt/vigil/agent/bin/vigil-agent --help >/dev/null
ENV VIGIL_AGENT_DATA=/var/lib/vigil-agent
ENTRYPOINT ["/usr/local/bin/vigil-agent-entrypoint"]
CMD ["run"]
