# The console and agent API (apps/web, bin/vigil-server), with the admin CLI its first start runs. Built from the
# repository root: docker build -f docker/console.Dockerfile . (docker-compose.yml does).

# Only the npm manifests, so that the npm ci layer is reused until one of them changes.
FROM node:20-bookworm AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests && find . -name node_modules -prune -o \
    \( -name package.json -o -name package-lock.json \) -exec cp --parents {} /manifests/ \;

FROM node:20-bookworm AS build
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY --from=manifests /manifests/ ./
# The npm that package.json names (packageManager) reads its lockfile and install-script settings as written.
RUN npm install -g --no-audit --no-fund "$(node -p 'require("./package.json").packageManager')" && \
    npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w @vigil/web && rm -rf apps/web/.next/cache

FROM node:20-bookworm-slim
ENV NEXT_TELEMETRY_DISABLED=1 PORT=3000 VIGIL_DATA_DIR=/var/lib/vigil
# The whole workspace: the CLI runs its TypeScript with tsx, against the packages' sources and migrations.
COPY --from=build /app /app
COPY docker/console-entrypoint.sh /usr/local/bin/vigil-console
# Owned by node so that new volumes mounted here are too; .next/cache is where next start keeps what it renders.
RUN mkdir -p /var/lib/vigil /var/lib/vigil-enroll /app/apps/web/.next/cache && \
    chown node:node /var/lib/vigil /var/lib/vigil-enroll /app/apps/web/.next/cache && \
    chmod 0700 /var/lib/vigil && \
    /app/apps/cli/bin/vigil --help >/dev/null
USER node
WORKDIR /app
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD node -e \
    "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["/usr/local/bin/vigil-console"]
