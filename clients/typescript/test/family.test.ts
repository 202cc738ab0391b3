/**
 * The family story, through the typed client, against a real `family-safety serve` started here
 * on a free port with a throwaway data dir: register a guardian and a teen, pair by code, set
 * limits with If-Match, and read the teen's effective settings (the server: ./server.ts).
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import { createFamilySafetyClient, problemSlug, type FamilySafetyClient } from "../src/index.ts";
import { startServer, type RunningServer } from "./server.ts";

const PASSWORD = "correct horse battery";

let server: RunningServer | undefined;
let baseUrl = "";

/** The birthdate of someone who turned `age` 100 days ago, as YYYY-MM-DD. */
function birthdateForAge(age: number): string {
  const day = new Date(Date.now() - 100 * 24 * 3600 * 1000);
  day.setUTCFullYear(day.getUTCFullYear() - age);
  return day.toISOString().slice(0, 10);
}

before(async () => {
  server = await startServer();
  baseUrl = server.baseUrl;
});

after(() => server?.stop());

/** Register and sign in; a client acting as that account. */
async function person(handle: string, age: number): Promise<{ id: string; api: FamilySafetyClient }> {
  const anonymous = createFamilySafetyClient({ baseUrl });
  const created = await anonymous.POST("/v1/accounts", {
    body: { handle, password: PASSWORD, birthdate: birthdateForAge(age) },
  });
  assert.ok(created.data, JSON.stringify(created.error));
  const signedIn = await anonymous.POST("/v1/auth/token", { body: { handle, password: PASSWORD } });
  assert.ok(signedIn.data, JSON.stringify(signedIn.error));
  const token = signedIn.data.access_token;
  return { id: created.data.id, api: createFamilySafetyClient({ baseUrl, accessToken: () => token }) };
}

test("a guardian and a teen pair, the guardian sets limits, the teen sees them", async () => {
  const guardian = await person("alex_parent", 40);
  const teen = await person("sam_teen", 14);

  // The guardian invites; the teen previews, then consents with the typed code.
  const invitation = await guardian.api.POST("/v1/pairing-invitations", { body: {} });
  assert.ok(invitation.data, JSON.stringify(invitation.error));
  const code = invitation.data.code;
  const preview = await teen.api.POST("/v1/pairing-invitations/preview", { body: { code } });
  assert.equal(preview.data?.guardian.handle, "alex_parent");
  assert.ok(preview.data?.controls.includes("screen_time.daily_limit_minutes"));
  const link = await teen.api.POST("/v1/pairings", { body: { code } });
  assert.equal(link.data?.status, "active");

  // Limits are replaced with If-Match: the ETag of what was read.
  const path = { teen_id: teen.id };
  const current = await guardian.api.GET("/v1/teens/{teen_id}/limits", { params: { path } });
  assert.deepEqual(current.data, { limits: {} });
  const etag = current.response.headers.get("ETag");
  assert.ok(etag);
  const limits = { "screen_time.daily_limit_minutes": 45, "search.enabled": false } as const;
  const stale = await guardian.api.PUT("/v1/teens/{teen_id}/limits", {
    params: { path, header: { "If-Match": '"stale"' } },
    body: { limits },
  });
  assert.equal(stale.response.status, 412);
  assert.equal(stale.error && problemSlug(stale.error), "precondition-failed");
  const replaced = await guardian.api.PUT("/v1/teens/{teen_id}/limits", {
    params: { path, header: { "If-Match": etag } },
    body: { limits },
  });
  assert.ok(replaced.data, JSON.stringify(replaced.error));

  // The teen's effective settings: each value typed for its key, with its source and bound.
  const mine = await teen.api.GET("/v1/me/settings");
  assert.ok(mine.data, JSON.stringify(mine.error));
  const screenTime = mine.data.settings["screen_time.daily_limit_minutes"];
  assert.equal(screenTime.value.mon, 45);
  assert.equal(screenTime.source, "guardian");
  assert.deepEqual(
    screenTime.bound?.set_by.map((party) => party.kind),
    ["guardian"],
  );
  const search = mine.data.settings["search.enabled"];
  assert.equal(search.value, false);
  assert.equal(search.can_change, false);
  assert.equal(mine.data.settings["live.enabled"].value, false); // the 13-15 age gate
  assert.equal(mine.data.age_band, "13-15");

  // Nothing changed since: 304.
  const again = await teen.api.GET("/v1/me/settings", {
    params: { header: { "If-None-Match": mine.response.headers.get("ETag") ?? "" } },
  });
  assert.equal(again.response.status, 304);

  // A choice looser than a bound is refused, naming who set it.
  const looser = await teen.api.PATCH("/v1/me/settings", { body: { "search.enabled": true } });
  assert.equal(looser.response.status, 403);
  assert.equal(looser.error && problemSlug(looser.error), "setting-locked");

  // The teen's receipt of what it agreed to.
  const notes = await teen.api.GET("/v1/me/notifications");
  assert.deepEqual(
    notes.data?.items.map((note) => note.kind),
    ["link.created", "limits.updated"],
  );
});
