# One image for every Pictor target: `pictor --target=all|api|relay|worker|migrate|…`.
#
#   docker build -t pictor .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp pictor            # target all, embedded stack
#
# Debian 13 (trixie) carries PostgreSQL 17, so pg_dump/pg_restore come from the distribution and
# match the chart's bundled PostgreSQL 17; they must never be older than the server they dump.

# No `# syntax=` line: Docker's built-in Dockerfile frontend handles everything used here (RUN
# --mount), and a build that reaches no registry could not fetch a frontend image.

# The Node.js of the repository (package.json devDependency `node`), Debian 13 slim. The base
# images are build arguments, so a machine without a registry can build on local images (a
# Debian 13 root filesystem with that Node.js at /usr/local, as the image build test makes):
#   docker build --build-arg BUILD_BASE=local/base --build-arg RUNTIME_BASE=local/base .
ARG NODE_VERSION=24.21.0
ARG BUILD_BASE=docker.io/library/node:${NODE_VERSION}-trixie-slim
ARG RUNTIME_BASE=docker.io/library/node:${NODE_VERSION}-trixie-slim

FROM ${BUILD_BASE} AS build
WORKDIR /src
ENV CI=true \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
# npm ci needs the package.json of every workspace, which COPY cannot pick out of the tree
# without taking the sources too; the npm cache mount keeps a rebuild fast instead.
COPY package.json package-lock.json .npmrc tsconfig.base.json tsconfig.json tsconfig.check.json ./
# Fixes to dependencies, applied by the postinstall script (patch-package): patches/README.md.
COPY patches/ patches/
COPY packages/ packages/
COPY apps/ apps/
# sharp installs its prebuilt libvips for the build's platform from npm (@img/sharp-*): no
# compiler, no system libvips.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --include=dev
# Build, drop devDependencies, and leave sources, tests, the test packages, the benchmarks and
# build metadata behind: what runs is dist/.
RUN npm run build \
 && npm prune --omit=dev \
 && find packages apps -mindepth 2 -maxdepth 2 \( -name src -o -name '*.tsbuildinfo' -o -name tsconfig.json \) -prune -exec rm -rf {} + \
 && rm -rf packages/testing packages/test-engines packages/test-harness apps/bench \
    node_modules/@pictor/testing node_modules/@pictor/test-engines node_modules/@pictor/test-harness \
    node_modules/@pictor/bench \
 && rm -rf apps/web/node_modules apps/web/public apps/web/index.html apps/web/vite.config.ts

FROM ${RUNTIME_BASE} AS runtime
ARG RUNTIME_BASE
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="pictor" \
      org.opencontainers.image.description="Self-hosted, Kubernetes-native image host: one image, every target (--target=all|api|relay|worker|migrate)." \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="AGPL-3.0-only" \
      org.opencontainers.image.vendor="Pictor" \
      org.opencontainers.image.base.name="${RUNTIME_BASE}"

# tini as PID 1 forwards SIGTERM to node (which drains: see apps/pictor/src/main.ts) and reaps
# children such as pg_dump. postgresql-client-17: pg_dump/pg_restore for the backup targets.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini postgresql-client-17 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && pg_dump --version \
 && groupadd --system --gid 10001 pictor \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin pictor

WORKDIR /app
COPY --from=build --chown=0:0 /src/package.json /src/package-lock.json ./
COPY --from=build --chown=0:0 /src/node_modules ./node_modules
COPY --from=build --chown=0:0 /src/packages ./packages
COPY --from=build --chown=0:0 /src/apps ./apps

# Files belong to root and are read-only to the process: the root filesystem can be mounted
# read-only. Only DATA_DIR (the embedded stack of target all) and /tmp are written.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/tmp/pictor
USER 10001:10001
# 9464: METRICS_PORT (/metrics), kept off the public port and bound to METRICS_HOST: loopback
# unless set (the chart sets the pod IP; METRICS_HOST=0.0.0.0 publishes it from a container).
EXPOSE 8080 9464
# --max-semi-space-size: see apps/pictor/src/node-options.ts (NODE_FLAGS; a test keeps the two equal).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-semi-space-size=8", "/app/apps/pictor/dist/main.js"]
CMD ["--target=all"]
