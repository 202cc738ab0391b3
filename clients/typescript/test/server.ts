/**
 * A real `family-safety serve` for the node tests, on a free port with a throwaway data dir.
 *
 * The server is `FAMILY_SAFETY_BIN` (default: the repository's `.venv/bin/family-safety`).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const SERVER_BIN =
  process.env.FAMILY_SAFETY_BIN ?? resolve(import.meta.dirname, "../../../.venv/bin/family-safety");

export interface RunningServer {
  baseUrl: string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail()));
    });
  });
}

/** Start the server and wait (30 s at most) until it answers `/health/live`. */
export async function startServer(): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "family-safety-client-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spawn(SERVER_BIN, ["serve", "--port", String(port)], {
    env: { ...process.env, FAMILY_SAFETY_DATA_DIR: dataDir, FAMILY_SAFETY_LOG_LEVEL: "WARNING" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout?.on("data", (chunk) => (log += chunk));
  server.stderr?.on("data", (chunk) => (log += chunk));
  const stop = () => {
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && server.exitCode === null) {
    try {
      if ((await fetch(`${baseUrl}/health/live`)).ok) return { baseUrl, stop };
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  stop();
  throw new Error(`the server (${SERVER_BIN}) did not start:\n${log}`);
}
