# syntax=docker/dockerfile:1
# missionflow's image: the API and every worker run from it (docker-compose.yml picks the process
# with `node dist/workers/run.js api | workflows | lane <lane>`).

# The Node version the project is developed and tested on (package.json: engines, and the `node`
# package that brings the same runtime to `npm start` and `npm test` on machines with an older one).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---------------------------------------------------------------- build: compile, then drop dev deps
FROM ${NODE_IMAGE} AS build
WORKDIR /app

COPY package.json package-lock.json ./
# --ignore-scripts: none is needed here (Temporal's core bridge ships prebuilt binaries, and the
# image already has Node 24, so the `node` package's preinstall, the only approved script, has
# nothing to do). Every other dependency's script is denied in package.json (allowScripts).
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY . .
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MISSIONS_DIR=/app/missions \
    DATA_DIR=/app/.data
WORKDIR /app

# Owned by root and read-only to the process: code, dependencies and the default cartridges.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/missions ./missions
COPY --from=build /app/deploy/compose/worker-healthcheck.js ./deploy/compose/worker-healthcheck.js

# The OCR lane's engine: Tesseract with English, and poppler to read and rasterise PDF pages.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-eng poppler-utils \
  && rm -rf /var/lib/apt/lists/*

# The only writable place: spooled uploads and other scratch files. Lasting state lives in the
# stores (PostgreSQL, Qdrant, Neo4j, Redis, S3), never in the container.
RUN mkdir -p /app/.data && chown node:node /app/.data

# The unprivileged user the official Node image provides (uid 1000).
USER node

EXPOSE 3000
CMD ["node", "dist/workers/run.js", "api"]
