// Serve the Portkey gateway (npm @portkey-ai/gateway) on 127.0.0.1 only.
//
// The package ships one bundle, build/start-server.js, which builds the Hono app and calls
// `serve({fetch: app.fetch, port})` from @hono/node-server without a hostname (src/start-server.ts of
// Portkey-AI/gateway), so Node listens on every interface. The app is not exported, so it cannot be
// imported and served separately. This launcher forces every listen() of the process onto 127.0.0.1
// *before* the bundle is loaded (a dynamic import, so the patch is in place first), then checks the
// bound address and exits with code 3 if it is anything but loopback. The bundle still reads --port=N.
//
// usage: GATEWAY_ENTRY=/…/node_modules/@portkey-ai/gateway/build/start-server.js \
//          node loopback.mjs --port=PORT --headless
import net from "node:net";
import { pathToFileURL } from "node:url";

const HOST = "127.0.0.1";
const originalListen = net.Server.prototype.listen;

net.Server.prototype.listen = function (...args) {
  // Forms used by Node and @hono/node-server: listen(port[, host][, backlog][, cb]) or listen(options[, cb]).
  if (args.length && typeof args[0] === "object" && args[0] !== null && !Array.isArray(args[0])) {
    if (args[0].path === undefined) args[0] = { ...args[0], host: HOST };
  } else if (typeof args[0] === "number" || typeof args[0] === "string") {
    const port = args[0];
    const rest = args.slice(1);
    if (typeof rest[0] === "string" || rest[0] === undefined || rest[0] === null) rest.shift();
    args = [port, HOST, ...rest];
  }
  this.once("listening", () => {
    const addr = this.address();
    if (!addr || typeof addr !== "object" || addr.address !== HOST) {
      console.error(`portkey-loopback: refusing non-loopback listen ${JSON.stringify(addr)}`);
      process.exit(3);
    }
    console.log(`portkey-loopback: listening on http://${addr.address}:${addr.port}`);
  });
  return originalListen.apply(this, args);
};

const entry = process.env.GATEWAY_ENTRY;
if (!entry) {
  console.error("portkey-loopback: set GATEWAY_ENTRY to @portkey-ai/gateway's build/start-server.js");
  process.exit(2);
}
await import(pathToFileURL(entry).href);
