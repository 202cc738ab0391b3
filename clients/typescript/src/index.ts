/**
 * A typed client for the family_safety HTTP API.
 *
 * `schema.d.ts` is generated from the service's OpenAPI document (`make client`); openapi-fetch
 * turns it into a fetch wrapper whose paths, parameters, bodies and answers are all typed: a
 * setting key with a typo, or a value of the wrong type for its key, does not compile.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.d.ts";

export type { components, paths };

type Schemas = components["schemas"];

/** The effective settings answer: every key, its value, where it came from and who bounds it. */
export type EffectiveSettings = Schemas["EffectiveSettingsOut"];
/** `{key: value}` as a PATCH of `/v1/me/settings` or a guardian's limits takes it. */
export type SettingValues = Schemas["SettingValues"];
export type SettingKey = Schemas["SettingKey"];
/** One resolved setting of a key, its `value` typed for that key. */
export type EffectiveSetting<K extends SettingKey> = Schemas["EffectiveSettingsMap"][K];
export type Problem = Schemas["ProblemDetails"];
export type Link = Schemas["Link"];

export type FamilySafetyClient = Client<paths>;

export interface ClientOptions {
  /** Where the service answers, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** The current access token, asked for on every request (none: the request goes unsigned). */
  accessToken?: () => string | undefined;
  /** A fetch of your own (tests, retries, a proxy). */
  fetch?: typeof globalThis.fetch;
}

/** A client for the family_safety API; each call answers `{data}` or `{error}` (a problem). */
export function createFamilySafetyClient(options: ClientOptions): FamilySafetyClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const { accessToken } = options;
  if (accessToken) {
    const bearer: Middleware = {
      onRequest({ request }) {
        const token = accessToken();
        if (token) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    };
    client.use(bearer);
  }
  return client;
}

/** The slug of a problem (`setting-locked`, `precondition-failed`, ...), which clients switch on. */
export function problemSlug(problem: Pick<Problem, "type">): string {
  return problem.type.slice(problem.type.lastIndexOf("/") + 1);
}
