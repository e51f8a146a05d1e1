# syntax=docker/dockerfile:1
# pod-identity-webhook image: `docker build -t pod-identity-webhook:$(node -p "require('./package.json').version") .`
# See docs/install.md for the build arguments.

# --- build: TypeScript needs the dev dependencies; none of them ship.
# Node 24, an LTS line in support (Node 20 reached its end of life in April
# 2026); .ci/run runs the whole suite on this major too (it reads it from here).
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` builds, and the sources are not copied yet.
RUN npm ci --ignore-scripts
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled JavaScript only.
# node:24-slim rather than distroless: `node` is on PATH for the preStop hook
# and for /webhook's `#!/usr/bin/env node`.
FROM node:24-slim AS runtime
ARG VERSION=0.1.0
ARG SOURCE=""
ARG REVISION=""
LABEL org.opencontainers.image.title="pod-identity-webhook" \
      org.opencontainers.image.description="Mutating admission webhook for IAM roles for service accounts (IRSA) and EKS Pod Identity" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
# A 4 MB young generation instead of V8's 16 MB: measured in docs/benchmarks.md,
# it keeps RSS under load below 100 MB and p99 at one connection below 1 ms
# (scavenges of a large young generation were the tail), for 5-15% more CPU.
ENV NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc, which is a dev dependency.
# The npm cache is dropped so the layer holds only node_modules.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
# Upstream's image has its binary at /webhook, and its Deployments and the
# community chart say `command: [/webhook, --flag, ...]`, which replaces the
# ENTRYPOINT. The package's bin (executable, `#!/usr/bin/env node`) linked
# there runs the same CLI, and a command line that starts with a flag is
# `serve`, so those Deployments work unchanged. A link, not a copy: node
# resolves it, so the compiled modules beside main.js are found.
RUN ln -s /app/dist/cli/main.js /webhook
# Numeric, so the kubelet can check runAsNonRoot without a passwd entry; the
# same id as the Deployment's runAsUser. Nothing is written at run time:
# the root filesystem can be read-only.
USER 65532:65532
EXPOSE 8443 9999
# node directly, not `npm start`: npm wants a writable cache and forwards signals poorly.
ENTRYPOINT ["node", "/app/dist/cli/main.js", "serve"]
