# The subgraph as a container: built in one stage, run in another with production dependencies
# only, as a non-root user. Docs: docs/operations.md. A test (test/deploy/dockerfile.test.ts) runs
# these steps without Docker, so keep to COPY, RUN npm ci / npm run build, ENV, USER, CMD.
#
#   docker build -t horizon-subgraph .
#   docker run --rm -p 4001:4001 --env-file .env horizon-subgraph
ARG NODE_IMAGE=node:24-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json schema.graphql ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The SDL is read at startup; the demo data serves `docker run` without Meta credentials.
COPY schema.graphql ./
COPY fixtures/demo.json ./fixtures/
USER node
EXPOSE 4001
# Liveness only: /healthz answers while the process serves HTTP. Orchestrators route traffic by
# /readyz (starting, draining, upstream unreachable), which a restart would not fix.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 4001}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# src/index.ts drains on SIGTERM: /readyz turns 503, in-flight requests finish, exit 0.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=64", "dist/index.js"]
