# One image for the server and the SFU. The mediasoup worker is built from the npm package's sources with
# the project's patches (scripts/mediasoup-worker.mjs), never downloaded.
FROM node:20-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN npm ci \
 && XDG_CACHE_HOME=/opt/cache node scripts/mediasoup-worker.mjs build \
 && cp "$(XDG_CACHE_HOME=/opt/cache node scripts/mediasoup-worker.mjs path)" /opt/mediasoup-worker \
 && rm -rf /opt/cache \
 && npx vite build client
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080 11112 4443
