// An app of your own: sign up (once), sign in, read your settings, make your account private.
// Build with tsc, then run: FAMILY_SAFETY_URL=http://127.0.0.1:8000 node app.js
import { createFamilySafetyClient, problemSlug } from "@family-safety/client";

const baseUrl = process.env.FAMILY_SAFETY_URL ?? "http://127.0.0.1:8000";
const me = { handle: "jo_parent", password: "correct horse battery" };

let token: string | undefined;
const api = createFamilySafetyClient({ baseUrl, accessToken: () => token });

const created = await api.POST("/v1/accounts", { body: { ...me, birthdate: "1985-06-01" } });
if (created.error && problemSlug(created.error) !== "handle-taken") {
  throw new Error(created.error.detail);
}
const signedIn = await api.POST("/v1/auth/token", { body: me });
if (!signedIn.data) throw new Error(signedIn.error.detail);
token = signedIn.data.access_token;

const mine = await api.GET("/v1/me/settings");
if (!mine.data) throw new Error(mine.error.detail);
console.log("private:", mine.data.settings["account.private"].value);

const changed = await api.PATCH("/v1/me/settings", {
  body: { "account.private": true }, // a misspelt key here does not compile
  params: { header: { "If-Match": mine.response.headers.get("ETag") ?? "" } },
});
if (!changed.data) throw new Error(`${problemSlug(changed.error)}: ${changed.error.detail}`);
console.log("private:", changed.data.settings["account.private"].value);
