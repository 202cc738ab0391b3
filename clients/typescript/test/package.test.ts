/**
 * The package as an app gets it: `npm pack` builds it (dist/: JavaScript and `.d.ts`), an app in a
 * temporary folder installs the tarball, type-checks the README's example app and a typo against
 * the installed types, then runs the example against a real server (./server.ts), twice.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { startServer, type RunningServer } from "./server.ts";

const HERE = resolve(import.meta.dirname, "..");
const EXAMPLE = join(HERE, "example", "app.ts");
const TSC = join(HERE, "node_modules", "typescript", "bin", "tsc");

let folder = "";
let app = "";
let packed: { filename: string; files: { path: string }[] } | undefined;

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

before(() => {
  folder = mkdtempSync(join(tmpdir(), "family-safety-package-"));
  app = join(folder, "app");
  const answer = run("npm", ["pack", "--json", "--pack-destination", folder], HERE);
  [packed] = JSON.parse(answer.slice(answer.indexOf("[")));
  assert.ok(packed);
  mkdirSync(app);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "example-app", private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(folder, packed.filename)], app);
});

after(() => rmSync(folder, { recursive: true, force: true }));

test("the tarball holds the built JavaScript and its types, not the sources", () => {
  const files = packed?.files.map((file) => file.path).sort();
  assert.deepEqual(files, [
    "README.md",
    "dist/index.d.ts",
    "dist/index.js",
    "dist/schema.d.ts",
    "dist/schema.js",
    "package.json",
  ]);
});

test("the README shows the example app as it is tested", () => {
  const readme = readFileSync(join(HERE, "README.md"), "utf8");
  assert.ok(readme.includes("```ts\n" + readFileSync(EXAMPLE, "utf8") + "```\n"));
});

test("an app type-checks against the installed package, and a typo in a body does not compile", () => {
  copyFileSync(EXAMPLE, join(app, "app.ts"));
  writeFileSync(
    join(app, "typo.ts"),
    [
      'import { createFamilySafetyClient } from "@family-safety/client";',
      'const api = createFamilySafetyClient({ baseUrl: "http://127.0.0.1:8000" });',
      "// @ts-expect-error: a misspelt key",
      'void api.PATCH("/v1/me/settings", { body: { "acount.privat": true } });',
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM"],
        strict: true,
        skipLibCheck: false,
        outDir: "out",
        typeRoots: [join(HERE, "node_modules", "@types")],
        types: ["node"],
      },
      include: ["app.ts", "typo.ts"],
    }),
  );
  try {
    run(process.execPath, [TSC, "-p", "."], app);
  } catch (error) {
    assert.fail(`tsc failed in the example app:\n${(error as { stdout?: string }).stdout}`);
  }
});

test("the example app runs on the built JavaScript against a real server, and again", async () => {
  const server = await startServer();
  try {
    const env = { FAMILY_SAFETY_URL: server.baseUrl };
    const once = run(process.execPath, ["out/app.js"], app, env);
    assert.equal(once, "private: false\nprivate: true\n");
    const again = run(process.execPath, ["out/app.js"], app, env);
    assert.equal(again, "private: true\nprivate: true\n");
  } finally {
    server.stop();
  }
});
