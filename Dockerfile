# The Adieu provider as a container: build with the dev toolchain, ship production dependencies only, run as the
# unprivileged `node` user, report health with /readyz. Settings come from ADIEU_* variables
# (docs/configuration.md#environment); see docs/operations.md#container.
# NODE_IMAGE: the official image by default; an offline machine builds a stand-in with scripts/container-base.sh.

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY packages/server/package.json packages/server/
COPY packages/node/package.json packages/node/
COPY packages/browser/package.json packages/browser/
COPY examples/portal/package.json examples/portal/
# This stage only compiles TypeScript: no install script (native builds, binary downloads) is needed here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY packages/server packages/server
RUN npx tsc -b packages/server

FROM ${NODE_IMAGE} AS deps
# better-sqlite3 downloads a prebuilt binary from GitHub when it can, and compiles from source when it cannot
# (no route to GitHub, or no binary for this Node): that needs Python, make and a C++ compiler.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/server/package.json packages/server/
COPY packages/node/package.json packages/node/
COPY packages/browser/package.json packages/browser/
COPY examples/portal/package.json examples/portal/
# Packages whose versions clash with the root's land in packages/server/node_modules: make sure it exists to copy.
RUN npm ci --omit=dev --workspace packages/server --no-audit --no-fund \
  && mkdir -p packages/server/node_modules

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    ADIEU_HOST=0.0.0.0 \
    ADIEU_PORT=9000 \
    ADIEU_DATABASE_URL=sqlite:/data/adieu.db
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=deps /app/packages/server/node_modules packages/server/node_modules
COPY --from=build /src/packages/server/dist packages/server/dist
COPY packages/server/package.json packages/server/
COPY packages/server/bin packages/server/bin
COPY packages/server/static packages/server/static
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 9000
# Ready = database reachable, migrations current, keys loaded, outbox worker running (docs/operations.md).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ADIEU_PORT}${process.env.ADIEU_HEALTH_PATH ?? '/readyz'}`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight requests; pending back-channel logouts stay in the outbox for the next start.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "packages/server/bin/adieu.js"]
CMD ["start"]
