/**
 * Compiled by `npm run typecheck` (tsc --strict), never run: each `@ts-expect-error` line must be
 * an error, so tsc fails if the generated types ever let a typo in a key, or a value of the wrong
 * type for its key, through.
 */
import {
  createFamilySafetyClient,
  type components,
  type EffectiveSettings,
  type SettingValues,
} from "../src/index.ts";

type Schemas = components["schemas"];

declare const answer: EffectiveSettings;
const client = createFamilySafetyClient({ baseUrl: "http://127.0.0.1:8000" });

// Right keys and values compile, typed per key.
const isPrivate: boolean = answer.settings["account.private"].value;
const directMessages: "everyone" | "friends" | "no_one" =
  answer.settings["messaging.direct_messages"].value;
const mondayMinutes: number | null = answer.settings["screen_time.daily_limit_minutes"].value.mon;
void [isPrivate, directMessages, mondayMinutes];
void client.PATCH("/v1/me/settings", {
  body: { "live.enabled": false, "screen_time.daily_limit_minutes": 45 },
  params: { header: { "If-Match": '"etag"' } },
});

// @ts-expect-error: a typo in a key
void answer.settings["acount.privat"];

// @ts-expect-error: a value of the wrong type for its key
void client.PATCH("/v1/me/settings", { body: { "live.enabled": "maybe" } });

// @ts-expect-error: a misspelt key in a settings PATCH
void client.PATCH("/v1/me/settings", { body: { "acount.privat": true } });

void client.PUT("/v1/teens/{teen_id}/limits", {
  params: { path: { teen_id: "0b8f4a52-5d0e-4c55-9a47-1f0d2f8c8a31" }, header: { "If-Match": "x" } },
  // @ts-expect-error: a misspelt key in a guardian's limits
  body: { limits: { "acount.privat": true } },
});

void client.POST("/v1/accounts", {
  body: {
    handle: "sam_14",
    password: "correct horse battery",
    birthdate: "2012-03-01",
    // @ts-expect-error: a field the service refuses (no account makes itself an admin)
    is_admin: true,
  },
});

// The generated types themselves are exact (every request body's schema says
// `additionalProperties: false`, tests/integration/test_exact_bodies.py), so the same typos fail
// wherever a body is written against them, not only through this client's methods.
// @ts-expect-error: a key the catalogue does not have, in a body typed as SettingValues
const typo: SettingValues = { "acount.privat": true };
// @ts-expect-error: the same typo in a guardian's limits
const limitsTypo: Schemas["Limits"] = { limits: { "acount.privat": true } };
const newAccount: Schemas["NewAccount"] = {
  handle: "sam_14",
  password: "correct horse battery",
  birthdate: "2012-03-01",
  // @ts-expect-error: a field the service refuses
  is_admin: true,
};
// @ts-expect-error: a key next to the token or the code
const proof: Schemas["InvitationProof"] = { code: "bcdf ghjk", guardian: "alex" };
void [typo, limitsTypo, newAccount, proof];

void client.PUT("/v1/teens/{teen_id}/limits", {
  params: { path: { teen_id: "0b8f4a52-5d0e-4c55-9a47-1f0d2f8c8a31" }, header: { "If-Match": "x" } },
  // @ts-expect-error: a value outside the enum of its key
  body: { limits: { "messaging.direct_messages": "strangers" } },
});

// @ts-expect-error: a path the service does not have
void client.GET("/v1/me/setings");
